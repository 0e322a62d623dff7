"""Token formats: credentials that carry their issuer's prefix, found by their shape alone.

A vendor that prefixes its tokens (``github_pat_``, ``hvs.``, ``sk-ant-api03-``) makes them
recognisable wherever they are, whatever the key or the file: each format below is a secret
because the issuer documents it as one (an API or access token, a signing secret, a private key),
and its prefix and length make a false match unlikely. The reference list of formats is
gitleaks' rule set (``config/gitleaks.toml``); each format cites the gitleaks rule ids it covers
(docs/secrets-rules.md has the table), and the patterns are written here from each format.

*Linear time.* Every pattern starts with a literal prefix (or, for Azure AD client secrets, a
bounded run before a literal), has only bounded or possessive repetitions of one character
class, and no nested quantifier; a pattern runs only on a text that holds one of its literals
(``prefilter.Triggers``). Boundaries are look-arounds of one character.

Formats detect-secrets' plugins already report with the whole token (AWS access key ids,
``aws-access-token``; Twilio API keys, ``twilio-api-key``) are left to the engine: a literal
as common as ``sk`` would make every file pay for its pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from migration_checks.secret_detection.hits import Found
from migration_checks.secret_detection.prefilter import Triggers

# A token starts after a character that cannot be part of it, and ends before one.
_B = r"(?<![A-Za-z0-9_])"
_E = r"(?![A-Za-z0-9_])"
_E_DASH = r"(?![A-Za-z0-9_-])"


@dataclass(frozen=True, slots=True)
class TokenFormat:
    kind: str  # the type a hit reports
    triggers: tuple[str, ...]  # literals of the folded text the pattern cannot match without
    pattern: re.Pattern[str]  # the value is group "v" when there is one, else the whole match
    gitleaks: tuple[str, ...]  # the gitleaks rule ids the format covers
    reason: str  # what the format is, and why it is a secret


def _f(kind: str, triggers: str, pattern: str, gitleaks: str, reason: str) -> TokenFormat:
    return TokenFormat(
        kind, tuple(triggers.split()), re.compile(pattern), tuple(gitleaks.split()), reason
    )


FORMATS: tuple[TokenFormat, ...] = (
    _f(
        "GitHub Token",
        "github_pat_",
        rf"{_B}github_pat_[A-Za-z0-9_]{{82}}{_E}",
        "github-fine-grained-pat",
        "A fine-grained personal access token: 'github_pat_', 22 characters of id, '_', 59 of"
        " secret. It acts as its user on the repositories it was granted.",
    ),
    _f(
        "GitHub Token",
        "ghp_ gho_ ghu_ ghs_ ghr_",
        rf"{_B}gh[pousr]_[A-Za-z0-9]{{36}}{_E}",
        "github-pat github-oauth github-app-token github-refresh-token",
        "Classic personal (ghp_), OAuth (gho_), user-to-server (ghu_), server-to-server (ghs_)"
        " and refresh (ghr_) tokens: 36 base62 characters after the prefix.",
    ),
    _f(
        "GitLab Token",
        "glpat- gldt- glrt- glptt- glft- glimt- glsoat- gloas- glagent- glcbt-",
        r"(?<![A-Za-z0-9_])gl(?:pat|dt|rt|ptt|ft|imt|soat|oas|agent|cbt)-[A-Za-z0-9_.-]{20,300}+",
        "gitlab-pat gitlab-pat-routable gitlab-deploy-token gitlab-runner-authentication-token"
        " gitlab-runner-authentication-token-routable gitlab-ptt gitlab-feed-token gitlab-feature-flag-client-token"
        " gitlab-incoming-mail-token gitlab-scim-token gitlab-oauth-app-secret"
        " gitlab-kubernetes-agent-token gitlab-cicd-job-token",
        "GitLab's prefixed tokens (personal, deploy, runner, pipeline trigger, feature flag,"
        " incoming mail, SCIM, OAuth, agent, CI job): 20 or more characters after the prefix.",
    ),
    _f(
        "Vault Token",
        "hvs. hvb. hvr.",
        rf"{_B}(?:hvs\.[A-Za-z0-9_-]{{90,300}}+|hvb\.[A-Za-z0-9_-]{{130,400}}+"
        rf"|hvr\.[A-Za-z0-9_-]{{20,300}}+){_E_DASH}",
        "vault-service-token vault-batch-token",
        "HashiCorp Vault service (hvs.), batch (hvb.) and recovery (hvr.) tokens: each logs in"
        " to Vault with its policies.",
    ),
    _f(
        "Slack Token",
        "xoxb- xoxp- xoxa- xoxr- xoxs- xoxo- xoxe- xapp-",
        rf"{_B}(?:xox[bparseo]-[0-9A-Za-z-]{{10,300}}+|xoxe\.xox[bp]-[0-9A-Za-z-]{{20,300}}+"
        rf"|xapp-[0-9]-[A-Za-z0-9-]{{20,300}}+)",
        "slack-bot-token slack-user-token slack-app-token slack-legacy-token"
        " slack-legacy-bot-token slack-legacy-workspace-token slack-config-access-token"
        " slack-config-refresh-token",
        "Slack bot, user, app-level, legacy and configuration tokens (xox?-, xapp-).",
    ),
    _f(
        "Slack Webhook",
        "hooks.slack.com/",
        r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56}+",
        "slack-webhook-url",
        "A Slack incoming-webhook, workflow or trigger URL: its path is the credential; anyone"
        " holding it posts to the channel.",
    ),
    _f(
        "Microsoft Teams Webhook",
        ".webhook.office.com/",
        r"[a-z0-9-]{1,63}+\.webhook\.office\.com/webhookb2/[a-z0-9-]{36}@[a-z0-9-]{36}"
        r"/IncomingWebhook/[a-z0-9]{32}/[a-z0-9-]{36}",
        "microsoft-teams-webhook",
        "A Microsoft Teams incoming-webhook URL: its ids and key are the credential.",
    ),
    _f(
        "New Relic Key",
        "nrak- nrjs- nrii-",
        rf"{_B}(?:NRAK-[A-Za-z0-9]{{27}}|NRJS-[a-f0-9]{{19}}|NRII-[A-Za-z0-9-]{{32}}){_E_DASH}",
        "new-relic-user-api-key new-relic-browser-api-token new-relic-insert-key",
        "New Relic user API keys (NRAK-), browser tokens (NRJS-) and insert keys (NRII-): they"
        " read or write the account's telemetry.",
    ),
    _f(
        "Alibaba Cloud Access Key",
        "ltai",
        rf"{_B}LTAI[A-Za-z0-9]{{20}}{_E}",
        "alibaba-access-key-id",
        "An Alibaba Cloud AccessKey ID: 'LTAI' and 20 characters; its secret is beside it.",
    ),
    _f(
        "Sourcegraph Token",
        "sgp_",
        rf"{_B}sgp_(?:(?:[a-fA-F0-9]{{16}}|local)_)?[a-fA-F0-9]{{40}}{_E}",
        "sourcegraph-access-token",
        "A Sourcegraph access token: 'sgp_', an optional instance id, 40 hex digits.",
    ),
    _f(
        "OpenShift Token",
        "sha256~",
        r"(?<![A-Za-z0-9_])sha256~[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])",
        "openshift-user-token",
        "An OpenShift OAuth access token ('sha256~' and 43 characters): it acts as its user on"
        " the cluster.",
    ),
    _f(
        "ClickHouse Cloud Key",
        "4b1d",
        rf"{_B}4b1d[A-Za-z0-9]{{38}}{_E}",
        "clickhouse-cloud-api-secret-key",
        "A ClickHouse Cloud API key secret: '4b1d' and 38 characters; it manages the"
        " organisation's services.",
    ),
    _f(
        "AWS Bedrock API Key",
        "absk bedrock-api-key-",
        rf"{_B}(?:ABSK[A-Za-z0-9+/]{{109,269}}+={{0,2}}+|bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/=]{{20,2000}}+)",
        "aws-amazon-bedrock-api-key-long-lived aws-amazon-bedrock-api-key-short-lived",
        "Amazon Bedrock API keys, long-lived ('ABSK') and short-lived ('bedrock-api-key-' and"
        " the base64 of bedrock.amazonaws.com).",
    ),
    _f(
        "Package Registry Token",
        "rubygems_ clojars_ rdme_",
        rf"{_B}(?:rubygems_[a-f0-9]{{48}}|CLOJARS_[A-Za-z0-9]{{60}}|rdme_[a-z0-9]{{70}}){_E}",
        "rubygems-api-token clojars-api-token readme-api-token",
        "RubyGems and Clojars publishing tokens, ReadMe API keys: they publish in the owner's"
        " name.",
    ),
    _f(
        "Infrastructure Token",
        "ico- fo1_ fm1a_ fm1r_ fm2_ dnkey- tk-us- fio-u- api-",
        rf"{_B}(?:ico-[A-Za-z0-9]{{32}}|fo1_[A-Za-z0-9_-]{{43}}|fm[12][ar]?_[A-Za-z0-9+/]{{100,1000}}+={{0,3}}+"
        rf"|dnkey-[a-z0-9=_-]{{26}}-[a-z0-9=_-]{{52}}|tk-us-[A-Za-z0-9_-]{{48}}"
        rf"|fio-u-[A-Za-z0-9_=-]{{64}}|API-[A-Z0-9]{{26}}){_E_DASH}",
        "infracost-api-token flyio-access-token defined-networking-api-token scalingo-api-token"
        " frameio-api-token octopus-deploy-api-key",
        "Infracost, Fly.io, Defined Networking, Scalingo, Frame.io and Octopus Deploy tokens:"
        " each deploys or reads infrastructure in its owner's name.",
    ),
    _f(
        "Payment and Messaging Token",
        "shippo_ duffel_ ezak eztk xkeysib- eaaa sq0atp- eaam eaac",
        rf"{_B}(?:shippo_(?:live|test)_[a-fA-F0-9]{{40}}|duffel_(?:test|live)_[A-Za-z0-9_=-]{{43}}"
        rf"|EZ[AT]K[A-Za-z0-9]{{54}}|xkeysib-[a-f0-9]{{64}}-[A-Za-z0-9]{{16}}"
        rf"|(?:EAAA|sq0atp-)[A-Za-z0-9_-]{{22,60}}+|EAA[MC][A-Za-z0-9]{{100,400}}+)"
        r"(?![A-Za-z0-9_+/=-])",
        "shippo-api-token duffel-api-token easypost-api-token easypost-test-api-token"
        " sendinblue-api-token square-access-token facebook-page-access-token",
        "Shippo, Duffel, EasyPost, Brevo (Sendinblue), Square and Facebook access tokens: they"
        " move money, send mail or post in the owner's name.",
    ),
    _f(
        "Cloudflare Origin CA Key",
        "v1.0-",
        rf"{_B}v1\.0-[a-f0-9]{{24}}-[a-f0-9]{{146}}{_E}",
        "cloudflare-origin-ca-key",
        "A Cloudflare Origin CA key: it issues certificates for the zone's origins.",
    ),
    _f(
        "Harness Token",
        "pat. sat.",
        rf"{_B}(?:pat|sat)\.[A-Za-z0-9_-]{{22}}\.[A-Za-z0-9]{{24}}\.[A-Za-z0-9]{{20}}{_E}",
        "harness-api-key",
        "A Harness personal or service-account token.",
    ),
    _f(
        "Artifactory Token",
        "cmvmd",
        rf"{_B}cmVmd[A-Za-z0-9]{{59}}{_E}",
        "artifactory-reference-token artifactory-api-key",
        "A JFrog Artifactory reference token (base64 of 'ref...'); Artifactory API keys"
        " ('AKCp') are the engine's.",
    ),
    _f(
        "GitLab Token",
        "gr1348941 _gitlab_session= glffct-",
        rf"(?:{_B}GR1348941[A-Za-z0-9_-]{{20}}|_gitlab_session=[0-9a-z]{{32}}|{_B}glffct-[A-Za-z0-9_-]{{20}}){_E_DASH}",
        "gitlab-rrt gitlab-session-cookie",
        "A GitLab runner registration token (GR1348941), a session cookie, a feature-flag client"
        " token (glffct-).",
    ),
    _f(
        "Yandex Token",
        "t1. aqvn",
        rf"{_B}(?:t1\.[A-Za-z0-9_-]{{20,200}}+={{0,2}}+\.[A-Za-z0-9_-]{{86}}={{0,2}}+|AQVN[A-Za-z0-9_-]{{35,38}}+){_E_DASH}",
        "yandex-access-token yandex-api-key",
        "Yandex Cloud IAM tokens (t1.) and API keys (AQVN).",
    ),
    _f(
        "SaaS Token",
        "p8e- flwseck_test sm_pat_ sm_aat_ sm_sat_ _mmk",
        rf"(?:{_B}p8e-[A-Za-z0-9]{{32}}|{_B}FLWSECK_TEST(?:-[a-h0-9]{{32}}-X|[a-h0-9]{{12}})"
        rf"|{_B}sm_(?:pat|aat|sat)_[A-Za-z0-9]{{16}}|{_B}[A-Za-z0-9]{{6}}_[A-Za-z0-9]{{29}}_mmk){_E}",
        "adobe-client-secret flutterwave-secret-key flutterwave-encryption-key"
        " settlemint-personal-access-token settlemint-application-access-token"
        " settlemint-service-access-token maxmind-license-key",
        "Adobe client secrets (p8e-), Flutterwave secret and encryption keys, SettleMint access"
        " tokens, MaxMind licence keys: each acts for its owner.",
    ),
    _f(
        "Azure SAS Token",
        "sig=",
        r"(?<![A-Za-z0-9_])sv=[0-9]{4}-[0-9]{2}-[0-9]{2}&[^\s'\"`<>]{0,400}?(?<=[?&])sig="
        r"(?P<v>[A-Za-z0-9%+/=]{20,200}+)",
        "",
        "An Azure shared access signature (a query of sv=<version>&...&sig=<HMAC>) written on its"
        " own, not in a URL: it grants what its permissions say until it expires (not in"
        " gitleaks' list; the URL rule reads it inside a URL).",
    ),
    _f(
        "Private Key",
        "putty-user-key-file-3",
        r"PuTTY-User-Key-File-3:",
        "",
        "A PuTTY private key file of version 3 (detect-secrets knows version 2): its private"
        " lines are the key itself unless it is encrypted.",
    ),
    _f(
        "Private Key",
        "aibaakc qibadanbgkqhkig9w0baqefaasc gibadanbgkqhkig9w0baqefaasc mc4caqawbqydk2vwbciei"
        " mhccaqeei migha",
        rf"{_B}(?:MII[A-Za-z0-9+/]{{2}}(?:AIBAAKC|[QgA]IBADANBgkqhkiG9w0BAQEFAASC)"
        rf"[A-Za-z0-9+/]{{100,8000}}+|MC4CAQAwBQYDK2VwBCIEI[A-Za-z0-9+/]{{20,40}}+"
        rf"|MHcCAQEEI[A-Za-z0-9+/]{{40,200}}+|MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg"
        rf"[A-Za-z0-9+/]{{40,200}}+)",
        "",
        "A private key as bare base64 DER, without its PEM lines: RSA (PKCS#1 and PKCS#8),"
        " Ed25519 (PKCS#8) and EC P-256 (SEC 1 and PKCS#8) have fixed first bytes.",
    ),
    _f(
        "Stripe Access Key",
        "sk_live_ rk_live_ sk_prod_ rk_prod_",
        rf"{_B}[sr]k_(?:live|prod)_[A-Za-z0-9]{{20,247}}+{_E}",
        "stripe-access-token",
        "Stripe secret (sk_) and restricted (rk_) keys of live mode; test-mode keys move no"
        " money, publishable keys (pk_) are public.",
    ),
    _f(
        "AWS Secret Access Key",
        "secret_access_key awssecretaccesskey",
        r"(?i:aws_?secret_?access_?key|secret_access_key)[\"']?[ \t]{0,8}+(?::|=|=>)[ \t]{0,8}+"
        r"[\"']?(?P<v>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
        "aws-access-token",
        "An AWS secret access key (40 base64 characters) assigned to its usual name, quoted or"
        " not (detect-secrets wants it quoted).",
    ),
    _f(
        "Google API Key",
        "aiza",
        rf"{_B}AIza[0-9A-Za-z_-]{{35}}{_E_DASH}",
        "gcp-api-key",
        "A Google Cloud API key: 'AIza' and 35 characters; it bills its project.",
    ),
    _f(
        "Azure AD Client Secret",
        "q~",
        r"(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])",
        "azure-ad-client-secret",
        "An Entra ID (Azure AD) application's client secret: its fifth and sixth characters"
        " are 'Q~'. It logs in as the application.",
    ),
    _f(
        "NPM Token",
        "npm_",
        rf"{_B}npm_[A-Za-z0-9]{{36}}{_E}",
        "npm-access-token",
        "An npm access token: 'npm_' and 36 base62 characters; it publishes packages.",
    ),
    _f(
        "NPM Token",
        "_authtoken",
        r"(?i:_authToken)[ \t]{0,8}+=[ \t]{0,8}+(?P<v>[A-Za-z0-9][A-Za-z0-9_.-]{15,300}+)",
        "npm-access-token",
        "Any literal token of an .npmrc registry line (``//registry/:_authToken=...``), UUID"
        " style included; ``${NPM_TOKEN}`` is not literal.",
    ),
    _f(
        "PyPI Token",
        "pypi-",
        r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,1000}+",
        "pypi-upload-token",
        "A PyPI upload token (a macaroon for pypi.org, 'pypi-AgEIcHlwaS5vcmc'): it publishes.",
    ),
    _f(
        "Databricks Token",
        "dapi",
        rf"{_B}dapi[a-fA-F0-9]{{32}}(?:-[0-9])?{_E_DASH}",
        "databricks-api-token",
        "A Databricks personal access token: 'dapi' and 32 hex digits; it runs jobs and reads"
        " every table its user can.",
    ),
    _f(
        "SendGrid API Key",
        "sg.",
        rf"{_B}SG\.[A-Za-z0-9_-]{{22}}\.[A-Za-z0-9_-]{{43}}{_E_DASH}",
        "sendgrid-api-token",
        "A SendGrid API key: 'SG.', 22 characters of id, '.', 43 of secret.",
    ),
    _f(
        "OpenAI API Key",
        "sk-proj- sk-svcacct- sk-admin- t3blbkfj",
        rf"{_B}(?:sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{{40,300}}+"
        rf"|sk-[A-Za-z0-9]{{20}}T3BlbkFJ[A-Za-z0-9]{{20}}{_E})",
        "openai-api-key",
        "An OpenAI key: project, service-account and admin keys (sk-proj-, sk-svcacct-,"
        " sk-admin-) and the older user keys that hold 'T3BlbkFJ'.",
    ),
    _f(
        "Anthropic API Key",
        "sk-ant-",
        rf"{_B}sk-ant-(?:api|admin)[0-9]{{2}}-[A-Za-z0-9_-]{{80,200}}+",
        "anthropic-api-key anthropic-admin-api-key",
        "An Anthropic API or admin key: 'sk-ant-api03-' or 'sk-ant-admin01-' and ~95 characters.",
    ),
    _f(
        "Shopify Token",
        "shpat_ shpca_ shppa_ shpss_",
        rf"{_B}shp(?:at|ca|pa|ss)_[A-Za-z0-9]{{32}}{_E}",
        "shopify-access-token shopify-custom-access-token shopify-private-app-access-token"
        " shopify-shared-secret",
        "Shopify access tokens (admin, custom app, private app) and app shared secrets.",
    ),
    _f(
        "Doppler Token",
        "dp.pt. dp.st. dp.sa. dp.ct. dp.scim. dp.audit.",
        rf"{_B}dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{{40,64}}{_E}",
        "doppler-api-token",
        "A Doppler personal, service, service-account, CLI, SCIM or audit token: it reads the"
        " secrets of the projects it was granted.",
    ),
    _f(
        "Hugging Face Token",
        "hf_ api_org_",
        rf"{_B}(?:hf|api_org)_[A-Za-z0-9]{{34}}{_E}",
        "huggingface-access-token huggingface-organization-api-token",
        "A Hugging Face user (hf_) or organization (api_org_) token: 34 characters after it.",
    ),
    _f(
        "Atlassian API Token",
        "atatt3 atctt3",
        rf"{_B}AT[AC]TT3[A-Za-z0-9_=-]{{150,300}}+",
        "atlassian-api-token",
        "An Atlassian (Jira, Confluence) API token of the current format, 'ATATT3' and ~180"
        " characters with its checksum.",
    ),
    _f(
        "Grafana Token",
        "glc_ glsa_ eyjrijoi",
        rf"{_B}(?:glc_[A-Za-z0-9+/]{{32,400}}+={{0,3}}|glsa_[A-Za-z0-9]{{32}}_[A-Fa-f0-9]{{8}}{_E}"
        r"|eyJrIjoi[A-Za-z0-9]{70,400}+={0,3})",
        "grafana-api-key grafana-cloud-api-token grafana-service-account-token",
        "Grafana Cloud access-policy tokens (glc_), service-account tokens (glsa_) and the older"
        ' API keys (base64 JSON that starts with \'{"k":"\').',
    ),
    _f(
        "1Password Token",
        "ops_ a3-",
        r"(?:ops_eyJ[A-Za-z0-9+/]{250,5000}+={0,3}"
        r"|(?<![A-Za-z0-9])A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})"
        r"-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}(?![A-Za-z0-9]))",
        "1password-service-account-token 1password-secret-key",
        "A 1Password service-account token (ops_ and a base64 JSON) or an account's Secret Key"
        " (A3-...), which with the password opens the account.",
    ),
    _f(
        "Age Secret Key",
        "age-secret-key-",
        r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
        "age-secret-key",
        "An age (file encryption) identity: it decrypts what was encrypted to it.",
    ),
    _f(
        "Cloudflare Token",
        "cfat_ cfut_ cfk_ v1.0-",
        rf"{_B}(?:cf(?:at|ut|k)_[A-Za-z0-9]{{40,64}}{_E}|v1\.0-[a-f0-9]{{24}}-[a-f0-9]{{146}})",
        "cloudflare-api-key cloudflare-global-api-key cloudflare-origin-ca-key",
        "Cloudflare's prefixed account (cfat_) and user (cfut_) API tokens, global API keys"
        " (cfk_) and Origin CA keys (v1.0-).",
    ),
    _f(
        "DigitalOcean Token",
        "doo_v1_ dop_v1_ dor_v1_",
        rf"{_B}do[opr]_v1_[a-f0-9]{{64}}{_E}",
        "digitalocean-access-token digitalocean-pat digitalocean-refresh-token",
        "DigitalOcean OAuth, personal and refresh tokens.",
    ),
    _f(
        "Postman API Key",
        "pmak-",
        rf"{_B}PMAK-[a-fA-F0-9]{{24}}-[a-fA-F0-9]{{34}}{_E}",
        "postman-api-token",
        "A Postman API key: it reads the workspaces' collections and their stored secrets.",
    ),
    _f(
        "Pulumi Token",
        "pul-",
        rf"{_B}pul-[a-f0-9]{{40}}{_E}",
        "pulumi-api-token",
        "A Pulumi access token: it reads stack state, which holds the stacks' secrets.",
    ),
    _f(
        "Prefect API Key",
        "pnu_",
        rf"{_B}pnu_[A-Za-z0-9]{{36}}{_E}",
        "prefect-api-token",
        "A Prefect Cloud API key (orchestration of data pipelines).",
    ),
    _f(
        "Linear API Key",
        "lin_api_",
        rf"{_B}lin_api_[A-Za-z0-9]{{40}}{_E}",
        "linear-api-key",
        "A Linear personal API key.",
    ),
    _f(
        "Notion Token",
        "ntn_",
        rf"{_B}ntn_[0-9]{{11}}[A-Za-z0-9]{{35}}{_E}",
        "notion-api-token",
        "A Notion integration token.",
    ),
    _f(
        "Sentry Token",
        "sntryu_ sntrys_",
        rf"{_B}(?:sntryu_[a-f0-9]{{64}}{_E}|sntrys_eyJ[A-Za-z0-9+/=_]{{60,800}}+)",
        "sentry-user-token sentry-org-token",
        "Sentry user auth tokens and organization tokens.",
    ),
    _f(
        "PlanetScale Token",
        "pscale_tkn_ pscale_oauth_ pscale_pw_",
        rf"{_B}pscale_(?:tkn|oauth|pw)_[A-Za-z0-9_=.-]{{32,64}}+",
        "planetscale-api-token planetscale-oauth-token planetscale-password",
        "PlanetScale service tokens, OAuth tokens and database passwords.",
    ),
    _f(
        "Heroku API Key",
        "hrku-",
        rf"{_B}HRKU-AA[0-9A-Za-z_-]{{58}}{_E_DASH}",
        "heroku-api-key-v2",
        "A Heroku API key of the current format.",
    ),
    _f(
        "Perplexity API Key",
        "pplx-",
        rf"{_B}pplx-[A-Za-z0-9]{{48}}{_E}",
        "perplexity-api-key",
        "A Perplexity API key.",
    ),
    _f(
        "Dynatrace Token",
        "dt0c01.",
        rf"{_B}dt0c01\.[A-Za-z0-9]{{24}}\.[A-Za-z0-9]{{64}}{_E}",
        "dynatrace-api-token",
        "A Dynatrace API token.",
    ),
    _f(
        "Terraform Cloud Token",
        ".atlasv1.",
        r"(?<![A-Za-z0-9])[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}+",
        "hashicorp-tf-api-token",
        "A Terraform Cloud / Enterprise API token: it plans and applies, with the workspace's"
        " cloud credentials.",
    ),
    _f(
        "Vercel Token",
        "vcp_ vci_ vca_ vcr_ vck_",
        rf"{_B}vc[pcirak]_[A-Za-z0-9]{{40,64}}{_E}",
        "",
        "Vercel's prefixed personal, integration, app, refresh and key tokens (not in"
        " gitleaks' list; secretlint's vercel rule).",
    ),
    _f(
        "dbt Cloud Token",
        "dbtc_ dbtu_",
        rf"{_B}dbt[cu]_[A-Za-z0-9_-]{{40,80}}+",
        "",
        "A dbt Cloud service (dbtc_) or personal (dbtu_) token: it runs jobs with the"
        " warehouse credentials of the project (not in gitleaks' list).",
    ),
)


def token_secrets(text: str, folded: str) -> Iterator[Found]:
    """Every token of a known format in ``text`` (``folded``: it folded with
    ``linear.fold``), each with its offset; a format runs only when its literal is there."""
    on = _TRIGGERS.on(folded)
    for index, token in enumerate(FORMATS):
        if str(index) not in on:
            continue
        for match in token.pattern.finditer(text):
            group = "v" if "v" in token.pattern.groupindex else 0
            value = match.group(group)
            if value and not _filler(value):
                yield Found(token.kind, value, match.start(group))


_TRIGGERS = Triggers({str(i): token.triggers for i, token in enumerate(FORMATS)})
_SEPARATORS = re.compile(r"[_.-]")


def _filler(value: str) -> bool:
    """A short prefix and one character repeated (``sk_live_AAAAAAAA``): documentation, no
    issuer makes such a token."""
    last = _SEPARATORS.split(value)[-1]
    return len(last) >= 8 and len(set(last)) == 1 and len(value) - len(last) <= 16
