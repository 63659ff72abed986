"""The catalog of credential formats the redactor looks for in every recorded string.

Most entries are **vendored verbatim from detect-secrets** (Yelp, Apache License 2.0,
https://github.com/Yelp/detect-secrets), version 1.5.0: the ``denylist`` regexes of its
``RegexBasedDetector`` plugins (``detect_secrets/plugins/*.py``). They are copied rather than
imported because detect-secrets' plugin modules import ``requests`` (for their network
verifiers), which contractdrift does not otherwise need, and redaction is on in every default
install. ``tests/capture/test_secret_catalog.py`` keeps the copy honest: with detect-secrets
installed (the ``dev`` extra), it checks that every vendored regex is character for character the
library's, and that every regex plugin of the installed library is either vendored here or listed
in :data:`NOT_VENDORED` with the reason. Upgrading detect-secrets therefore fails that test until
its new or changed patterns are reviewed.

A few formats detect-secrets 1.5.0 does not know are added in :data:`SUPPLEMENTS`, each written
from its issuer's published token format (not copied from another scanner).

Each :class:`CatalogPattern` is one regex; the redactor joins them all into *one* compiled
alternation (plus personal-data and context rules, see :mod:`contractdrift.capture.detect`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CATALOG", "DETECT_SECRETS_VERSION", "NOT_VENDORED", "SUPPLEMENTS", "VENDORED", "CatalogPattern"]

#: The detect-secrets release the vendored regexes were taken from.
DETECT_SECRETS_VERSION = "1.5.0"


@dataclass(frozen=True, slots=True)
class CatalogPattern:
    """One credential format.

    * ``name``: a short id (shown in docs and used to switch a pattern off: ``Redactor(off=...)``);
    * ``regex``: Python regex source, searched anywhere in a string;
    * ``origin``: ``"detect-secrets:<PluginClass>[<index>]"`` for vendored entries (the index into
      the plugin's ``denylist``), ``"contractdrift"`` for supplements;
    * ``group``: the capture group (counted inside ``regex``) holding the secret, 0 for the whole
      match (then the match is widened over adjacent token characters, since several catalog
      regexes match only a fixed-length head of tokens that are longer today);
    * ``flags``: ``"i"`` when the library compiles the regex case-insensitively.
    """

    name: str
    regex: str
    origin: str
    group: int = 0
    flags: str = ""


def _ds(name: str, plugin: str, index: int, regex: str, *, group: int = 0, flags: str = "") -> CatalogPattern:
    return CatalogPattern(name, regex, f"detect-secrets:{plugin}[{index}]", group, flags)


#: Vendored from detect-secrets 1.5.0 (regex sources verbatim).
VENDORED: tuple[CatalogPattern, ...] = (
    _ds("aws-access-key-id", "AWSKeyDetector", 0, r"(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}"),
    _ds("artifactory-token", "ArtifactoryDetector", 0, r'(?:\s|=|:|"|^)AKC[a-zA-Z0-9]{10,}(?:\s|"|$)'),
    _ds("azure-storage-key", "AzureStorageKeyDetector", 0, r"AccountKey=[a-zA-Z0-9+\/=]{88}"),
    _ds(
        "url-password", "BasicAuthDetector", 0,
        "://[^:/\\?\\#\\[\\]@!\\$\\&'\\(\\)\\*\\+,;=\\s]+:([^:/\\?\\#\\[\\]@!\\$\\&'\\(\\)\\*\\+,;=\\s]+)@",
        group=1,
    ),
    _ds("discord-bot-token", "DiscordBotTokenDetector", 0,
        r"[MNO][a-zA-Z\d_-]{23,25}\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}"),
    _ds("github-token", "GitHubTokenDetector", 0, r"(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9_]{36}"),
    _ds("gitlab-token", "GitLabTokenDetector", 0, r"(glpat|gldt|glft|glsoat|glrt)-[A-Za-z0-9_\-]{20,50}(?!\w)"),
    _ds("gitlab-runner-registration", "GitLabTokenDetector", 1, r"GR1348941[A-Za-z0-9_\-]{20,50}(?!\w)"),
    _ds("gitlab-cicd-token", "GitLabTokenDetector", 2, r"glcbt-([0-9a-fA-F]{2}_)?[A-Za-z0-9_\-]{20,50}(?!\w)"),
    _ds("gitlab-incoming-mail", "GitLabTokenDetector", 3, r"glimt-[A-Za-z0-9_\-]{25}(?!\w)"),
    _ds("gitlab-trigger-token", "GitLabTokenDetector", 4, r"glptt-[A-Za-z0-9_\-]{40}(?!\w)"),
    _ds("gitlab-agent-token", "GitLabTokenDetector", 5, r"glagent-[A-Za-z0-9_\-]{50,1024}(?!\w)"),
    _ds("gitlab-oauth-secret", "GitLabTokenDetector", 6, r"gloas-[A-Za-z0-9_\-]{64}(?!\w)"),
    _ds("jwt", "JwtTokenDetector", 0, r"eyJ[A-Za-z0-9-_=]+\.[A-Za-z0-9-_=]+\.?[A-Za-z0-9-_.+/=]*?"),
    _ds("mailchimp-key", "MailchimpDetector", 0, r"[0-9a-z]{32}-us[0-9]{1,2}"),
    _ds("npmrc-auth-token", "NpmDetector", 0, r"\/\/.+\/:_authToken=\s*((npm_.+)|([A-Fa-f0-9-]{36})).*", group=1),
    _ds("openai-key", "OpenAIDetector", 0, r"sk-[A-Za-z0-9-_]*[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}"),
    _ds("pypi-token", "PypiTokenDetector", 0, r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9-_]{70,}"),
    _ds("pypi-test-token", "PypiTokenDetector", 1, r"pypi-AgENdGVzdC5weXBpLm9yZw[A-Za-z0-9-_]{70,}"),
    _ds("sendgrid-key", "SendGridDetector", 0, r"SG\.[a-zA-Z0-9_-]{22}\.[a-zA-Z0-9_-]{43}"),
    _ds("slack-token", "SlackDetector", 0, r"xox(?:a|b|p|o|s|r)-(?:\d+-)+[a-z0-9]+", flags="i"),
    _ds("slack-webhook", "SlackDetector", 1,
        r"https://hooks\.slack\.com/services/T[a-zA-Z0-9_]+/B[a-zA-Z0-9_]+/[a-zA-Z0-9_]+", flags="i"),
    _ds("square-oauth-secret", "SquareOAuthDetector", 0, r"sq0csp-[0-9A-Za-z\\\-_]{43}"),
    _ds("stripe-key", "StripeDetector", 0, r"(?:r|s)k_live_[0-9a-zA-Z]{24}"),
    _ds("telegram-bot-token", "TelegramBotTokenDetector", 0, r"\d{8,10}:[0-9A-Za-z_-]{35}"),
)

#: detect-secrets' private-key markers (``PrivateKeyDetector``), vendored verbatim; the redactor
#: masks from the marker to the end of the PEM block (or of the string).
PRIVATE_KEY_MARKERS: tuple[str, ...] = (
    "BEGIN DSA PRIVATE KEY",
    "BEGIN EC PRIVATE KEY",
    "BEGIN OPENSSH PRIVATE KEY",
    "BEGIN PGP PRIVATE KEY BLOCK",
    "BEGIN PRIVATE KEY",
    "BEGIN RSA PRIVATE KEY",
    "BEGIN SSH2 ENCRYPTED PRIVATE KEY",
    "PuTTY-User-Key-File-2",
)

#: detect-secrets patterns deliberately *not* used, with the reason (checked by the catalog test).
NOT_VENDORED: dict[str, str] = {
    "ArtifactoryDetector[1]": "`AP` + hex + 8 alphanumerics also matches upper-case enum codes "
    "(APDEVELOPMENT, APAC2024REGION): a false alarm that would destroy enum detection",
    "TwilioKeyDetector[0]": "`AC` + 32 characters is a Twilio Account SID, an identifier present in "
    "every Twilio response (not a secret); masking it would destroy ids and joins",
    "TwilioKeyDetector[1]": "`SK` + 32 characters is a Twilio API key SID, an identifier (the secret "
    "is a separate value)",
    "IPPublicDetector[0]": "IP addresses are not secrets and inference needs them (format ipv4)",
    "AWSKeyDetector[1]": "source-code assignment context (`aws...key = '...'`); covered by the "
    "redactor's secret-word context rule",
    "CloudantDetector[0]": "source-code assignment context; covered by the secret-word context rule "
    "(and URL passwords by url-password)",
    "CloudantDetector[1]": "source-code assignment context; covered by the secret-word context rule",
    "CloudantDetector[2]": "URL with credentials; covered by url-password",
    "CloudantDetector[3]": "URL with credentials; covered by url-password",
    "IbmCloudIamDetector[0]": "source-code assignment context; covered by the secret-word context rule",
    "IbmCosHmacDetector[0]": "source-code assignment context; covered by the secret-word context rule",
    "SoftlayerDetector[0]": "source-code assignment context; covered by the secret-word context rule",
    "SoftlayerDetector[1]": "a SOAP URL with the key in its path: rare in recorded traffic",
}


def _own(name: str, regex: str, *, group: int = 0, flags: str = "") -> CatalogPattern:
    return CatalogPattern(name, regex, "contractdrift", group, flags)


#: Formats detect-secrets 1.5.0 lacks, written from each issuer's published token format.
SUPPLEMENTS: tuple[CatalogPattern, ...] = (
    # Google API keys: "AIza" + 35 characters (39 in all).
    _own("google-api-key", r"AIza[0-9A-Za-z_-]{35}"),
    # npm access tokens (granular, automation, publish): "npm_" + 36 base62 characters.
    _own("npm-token", r"npm_[A-Za-z0-9]{36}"),
    # GitHub fine-grained personal access tokens.
    _own("github-fine-grained-token", r"github_pat_[A-Za-z0-9_]{22,255}"),
    # Stripe secret and restricted keys in test mode, and live keys longer than the 24 characters
    # detect-secrets expects.
    _own("stripe-test-key", r"(?:r|s)k_test_[0-9a-zA-Z]{24,}"),
    # OpenAI project/service/admin keys and Anthropic keys ("sk-proj-...", "sk-ant-api03-...").
    _own("sk-scoped-key", r"sk-(?:proj|svcacct|admin|ant-(?:api|admin)\d\d)-[A-Za-z0-9_-]{20,}"),
    # Slack app-level tokens ("xapp-1-A0...-123...-abc...") and configuration tokens.
    _own("slack-app-token", r"xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+", flags="i"),
    # Shopify access tokens ("shpat_", "shpca_", "shppa_", "shpss_" + 32 hex).
    _own("shopify-token", r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}"),
    # Hugging Face user access tokens.
    _own("huggingface-token", r"hf_[A-Za-z0-9]{34,}"),
    # DigitalOcean personal access / OAuth / refresh tokens.
    _own("digitalocean-token", r"do[opr]_v1_[a-f0-9]{64}"),
    # Mailgun private API keys.
    _own("mailgun-key", r"key-[0-9a-f]{32}"),
)

#: Every credential pattern the redactor uses by default.
CATALOG: tuple[CatalogPattern, ...] = VENDORED + SUPPLEMENTS
