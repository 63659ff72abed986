"""Client expectations in: Pact files (V1–V4) with their matchers compiled to JSON Schema, a Pact
Broker, JSON Schema expectations files, and a client's copy of a spec (loaded by the api)."""
