"""The redaction corpus: secrets in every form the redactor claims to catch, and look-alikes it
must leave alone. Used by tests/test_redact_corpus.py and bench/redact_quality.py.

Secrets are built at run time from a seeded generator and split prefixes (`"gh" + "p_"`), so no
token-shaped literal sits in the repository for secret scanners to flag. They are fake.

Each Case has `secrets`: strings that must not survive (nor any 10-character piece of them), and
`keep`: text around them that must survive. A benign case has no secrets and must come out byte
for byte unchanged.
"""

from __future__ import annotations

import base64
import json
import random
import textwrap
from dataclasses import dataclass

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOWER = "abcdefghijklmnopqrstuvwxyz"
DIGITS = "0123456789"
ALNUM = UPPER + LOWER + DIGITS
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"


@dataclass(frozen=True)
class Case:
    name: str
    group: str  # token, context, multiline, ansi, benign
    text: str
    secrets: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()


class Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def s(self, alphabet: str, n: int) -> str:
        # Mixed classes guaranteed for alphanumeric alphabets, as real keys have.
        while True:
            out = "".join(self.r.choice(alphabet) for _ in range(n))
            if alphabet in (HEX, DIGITS, UPPER + "234567") or n < 8:
                return out
            if any(c.isdigit() for c in out) and any(c.isalpha() for c in out):
                return out

    def hex(self, n: int) -> str:
        return self.s(HEX, n)

    def b64(self, nbytes: int) -> str:
        return base64.b64encode(self.r.randbytes(nbytes)).decode()


def _pem_body(g: Gen, nbytes: int = 1190, width: int = 64) -> list[str]:
    return textwrap.wrap(g.b64(nbytes), width)


def _pem(kind: str, body: list[str], eol: str = "\n", indent: str = "") -> str:
    lines = [f"-----BEGIN {kind}-----", *body, f"-----END {kind}-----"]
    return "".join(indent + line + eol for line in lines)


def fold(text: str, width: int) -> list[str]:
    """Hard-wrap at exactly width characters, as `fold -w` and `base64 -w` do."""
    return [text[i : i + width] for i in range(0, len(text), width)]


def _jwt(g: Gen) -> str:
    head = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    claims = json.dumps({"sub": g.s(DIGITS, 10), "name": "Alice", "iat": 1700000000})
    body = base64.urlsafe_b64encode(claims.encode()).decode().rstrip("=")
    return f"{head}.{body}.{g.s(URLSAFE, 43)}"


def token_formats(g: Gen) -> dict[str, str]:
    """One fake secret of each recognisable shape."""
    return {
        "github_ghp": "gh" + "p_" + g.s(ALNUM, 36),
        "github_gho": "gh" + "o_" + g.s(ALNUM, 36),
        "github_ghu": "gh" + "u_" + g.s(ALNUM, 36),
        "github_ghs": "gh" + "s_" + g.s(ALNUM, 36),
        "github_ghr": "gh" + "r_" + g.s(ALNUM, 36),
        "github_pat": "github" + "_pat_" + g.s(ALNUM, 22) + "_" + g.s(ALNUM, 59),
        "gitlab_pat": "gl" + "pat-" + g.s(URLSAFE.replace("-", ""), 20),
        "gitlab_runner": "gl" + "rt-" + g.s(ALNUM, 20),
        "slack_bot": "xo" + "xb-" + g.s(DIGITS, 12) + "-" + g.s(DIGITS, 13) + "-" + g.s(ALNUM, 24),
        "slack_user": "xo" + "xp-" + g.s(DIGITS, 12) + "-" + g.s(DIGITS, 12) + "-" + g.s(ALNUM, 32),
        "slack_app": "xa" + "pp-1-" + g.s(UPPER + DIGITS, 11) + "-" + g.s(DIGITS, 13) + "-" + g.s(HEX, 64),
        "stripe_live": "sk" + "_live_" + g.s(ALNUM, 24),
        "stripe_restricted": "rk" + "_test_" + g.s(ALNUM, 99),
        "stripe_webhook": "wh" + "sec_" + g.s(ALNUM, 32),
        "aws_akid": "AK" + "IA" + g.s(UPPER + "234567", 16),
        "aws_asia": "AS" + "IA" + g.s(UPPER + "234567", 16),
        "google_api": "AI" + "za" + g.s(URLSAFE, 35),
        "google_oauth_secret": "GOC" + "SPX-" + g.s(URLSAFE, 28),
        "google_oauth_token": "ya" + "29." + g.s(URLSAFE, 120),
        "npm": "np" + "m_" + g.s(ALNUM, 36),
        "pypi": "py" + "pi-AgEIcHlwaS5vcmc" + g.s(URLSAFE, 70),
        "dockerhub": "dc" + "kr_pat_" + g.s(URLSAFE, 27),
        "twilio": "S" + "K" + g.s(HEX, 32),
        "sendgrid": "S" + "G." + g.s(URLSAFE, 22) + "." + g.s(URLSAFE, 43),
        "openai_proj": "sk" + "-proj-" + g.s(URLSAFE, 156),
        "openai_legacy": "sk" + "-" + g.s(ALNUM, 20) + "T3BlbkFJ" + g.s(ALNUM, 20),
        "anthropic": "sk" + "-ant-api03-" + g.s(URLSAFE, 93) + "AA",
        "azure_client_secret": g.s(ALNUM, 3) + "8Q~" + g.s(URLSAFE + "~.", 34),
        "jwt": _jwt(g),
        "k8s_key_b64": base64.b64encode(
            b"-----BEGIN RSA PRIVATE KEY-----\nMIIEow" + g.r.randbytes(60)
        ).decode(),
    }


def _token_cases(g: Gen) -> list[Case]:
    forms = {
        "bare": ("", "\n"),
        "sentence": ("the value is ", " (rotated daily)\n"),
        "quoted": ("config.set('", "')\n"),
        "json": ('{"id": 7, "value": "', '", "ok": true}\n'),
    }
    out = []
    for name, tok in token_formats(g).items():
        for form, (before, after) in forms.items():
            keep = tuple(k for k in (before, after) if k.strip())
            out.append(Case(f"{name}/{form}", "token", before + tok + after, (tok,), keep))
    return out


def _context_cases(g: Gen) -> list[Case]:
    pw = "Tr0ub4dor&" + g.s(ALNUM, 6)
    word = "correcthorse" + g.s(DIGITS, 3)
    hex32, hex40 = g.hex(32), g.hex(40)
    aws_secret = g.s(ALNUM + "/+", 40)
    generic = g.s(ALNUM, 32)
    b64v = g.b64(24)
    client_key, session, account_key, sas = g.b64(600), g.b64(200), g.b64(64), g.b64(32)
    basic = base64.b64encode(f"alice:{pw}".encode()).decode()
    jwt = _jwt(g)
    cases = [
        ("password_eq", f"password={pw}\n", (pw,)),
        ("passwd_colon_yaml", f"  passwd: {word}\n", (word,)),
        ("pwd_env", f"MYSQL_PWD={pw} mysqldump shop > dump.sql\n", (pw,)),
        ("flag_space", f"$ app login --user alice --password {pw}\n", (pw,)),
        ("flag_eq", f"$ app login --password={pw} --user alice\n", (pw,)),
        ("flag_quoted", f"$ app login --password '{pw}' --verbose\n", (pw,)),
        ("mysql_p", f"$ mysql -u root -p{pw} shop\n", (pw,)),
        ("mysqldump_p", f"$ mysqldump -h db -uroot -p{word} shop > x.sql\n", (word,)),
        ("pgpassword", f"$ PGPASSWORD={pw} psql -h db -U app\n", (pw,)),
        ("export_token", f"$ export GITHUB_TOKEN={generic}\n", (generic,)),
        ("export_secret", f"export APP_SECRET={b64v}\n", (b64v,)),
        ("export_key", f"export OPENAI_API_KEY={generic}\n", (generic,)),
        ("export_password_quoted", f'export DB_PASSWORD="{pw}"\n', (pw,)),
        ("fish_set", f"set -gx DB_PASSWORD {pw}\n", (pw,)),
        (
            "dotenv",
            f"APP_ENV=production\nDATABASE_PASSWORD={word}\nSTRIPE_SECRET={generic}\n",
            (word, generic),
        ),
        ("authz_bearer", f"Authorization: Bearer {generic}\n", (generic,)),
        ("authz_basic", f"> Authorization: Basic {basic}\r\n", (basic,)),
        ("authz_token", f"Authorization: token {generic}\n", (generic,)),
        ("curl_header", f"$ curl -H 'Authorization: Bearer {jwt}' https://api.example.com\n", (jwt,)),
        ("curl_header_lower", f'curl -H "authorization: {generic}" https://x.example.com\n', (generic,)),
        ("curl_user", f"$ curl -u alice:{pw} https://api.example.com/v1\n", (pw,)),
        ("kubeconfig_token", f"- name: ci\n  user:\n    token: {jwt}\n", (jwt,)),
        ("kubeconfig_client_key", f"    client-key-data: {client_key}\n", (client_key,)),
        (
            "kube_secret_yaml",
            f"data:\n  password: {base64.b64encode(pw.encode()).decode()}\n",
            (base64.b64encode(pw.encode()).decode(),),
        ),
        ("json_client_secret", f'{{"client_id": "web", "client_secret": "{generic}"}}\n', (generic,)),
        ("json_password", f'{{"user": "alice", "password": "{pw}"}}\n', (pw,)),
        ("aws_secret_ini", f"aws_secret_access_key = {aws_secret}\n", (aws_secret,)),
        ("aws_secret_env", f"AWS_SECRET_ACCESS_KEY={aws_secret}\n", (aws_secret,)),
        ("aws_session_json", f'    "SessionToken": "{session}",\n', (session,)),
        ("datadog_api_env", f"DD_API_KEY={hex32}\n", (hex32,)),
        ("datadog_app_env", f"export DD_APP_KEY={hex40}\n", (hex40,)),
        ("datadog_header", f"-H 'DD-API-KEY: {hex32}' -H 'DD-APPLICATION-KEY: {hex40}'\n", (hex32, hex40)),
        ("datadog_prose", f"Your Datadog API key: {hex32}\n", (hex32,)),
        ("datadog_yaml", f"api_key: {hex32}\nsite: datadoghq.com\n", (hex32,)),
        (
            "azure_conn",
            "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey="
            f"{account_key};EndpointSuffix=core.windows.net\n",
            (account_key,),
        ),
        ("azure_sas", f"https://acme.blob.core.windows.net/c/x?sv=2021-08-06&sig={sas}\n", (sas,)),
        ("url_userinfo", f"$ git clone https://alice:{generic}@github.com/acme/app.git\n", (generic,)),
        ("url_postgres", f"DATABASE_URL=postgres://app:{pw}@db.internal:5432/shop\n", (pw,)),
        ("url_redis_nouser", f"redis://:{word}@cache:6379/0\n", (word,)),
        ("url_mongo_srv", f"mongodb+srv://admin:{pw}@cluster0.mongodb.net/db\n", (pw,)),
        ("sshpass", f"$ sshpass -p {pw} ssh deploy@web1\n", (pw,)),
        ("redis_cli_a", f"$ redis-cli -h cache -a {word} ping\n", (word,)),
        ("ldapsearch_w", f"$ ldapsearch -x -D cn=admin -w {pw} -b dc=acme\n", (pw,)),
        ("openssl_pass", f"$ openssl rsa -in k.pem -passin pass:{pw} -out plain.pem\n", (pw,)),
        ("sqlcmd_P", f"$ sqlcmd -S db -U sa -P {pw} -Q 'select 1'\n", (pw,)),
        ("netlike_token_space", f"token {generic}\n", (generic,)),
        ("api_token_prose", f"Your new API token is {generic}\n", (generic,)),
        ("docker_config_auth", f'  "auths": {{"registry.io": {{"auth": "{basic}"}}}}\n', (basic,)),
        ("npmrc", f"//registry.npmjs.org/:_authToken={generic}\n", (generic,)),
        ("x_api_key_header", f"X-Api-Key: {generic}\n", (generic,)),
        ("private_token_header", f"PRIVATE-TOKEN: {generic}\n", (generic,)),
        ("powershell_env", f'$env:API_TOKEN = "{generic}"\n', (generic,)),
        ("yaml_secret", f"  secret: {generic}\n", (generic,)),
        ("python_kwarg", f"client = Client(api_key='{generic}', timeout=3)\n", (generic,)),
        ("query_param", f"GET /v1/items?access_token={generic}&page=2 HTTP/1.1\n", (generic,)),
    ]
    return [Case(n, "context", t, s) for n, t, s in cases]


def _multiline_cases(g: Gen) -> list[Case]:
    body = _pem_body(g)
    ec = _pem_body(g, 90)
    ssh = _pem_body(g, 300, 70)
    pgp = _pem_body(g, 500)
    jwt = _jwt(g) + g.s(URLSAFE, 120)
    ghp = "gh" + "p_" + g.s(ALNUM, 36)
    pk_json = "\\n".join(["-----BEGIN PRIVATE KEY-----", *_pem_body(g, 300), ""])
    sa = json.dumps(
        {
            "type": "service_account",
            "project_id": "acme-prod",
            "private_key_id": g.hex(40),
            "private_key": pk_json.replace("\\n", "\n") + "-----END PRIVATE KEY-----\n",
            "client_email": "ci@acme-prod.iam.gserviceaccount.com",
        },
        indent=2,
    )
    aws_secret = g.s(ALNUM + "/+", 40)
    sts = (
        '{\n    "Credentials": {\n        "AccessKeyId": "AS'
        + "IA"
        + g.s(UPPER + "234567", 16)
        + '",\n        "SecretAccessKey": "'
        + aws_secret
        + '",\n        "SessionToken": "'
        + g.b64(300)
        + '",\n        "Expiration": "2024-11-21T18:00:00+00:00"\n    }\n}\n'
    )
    jenkins_pw = g.hex(32)
    split_secret = g.s(ALNUM, 24)
    cases = [
        ("pem_rsa", "$ cat id_rsa\n" + _pem("RSA PRIVATE KEY", body) + "$ ", tuple(body)),
        ("pem_rsa_crlf", _pem("RSA PRIVATE KEY", body, "\r\n"), tuple(body)),
        ("pem_ec", _pem("EC PRIVATE KEY", ec), tuple(ec)),
        ("pem_openssh", _pem("OPENSSH PRIVATE KEY", ssh), tuple(ssh)),
        (
            "pem_pkcs8_indented_yaml",
            "tls:\n  key: |\n" + _pem("PRIVATE KEY", body, indent="    "),
            tuple(body),
        ),
        (
            "pem_encrypted_headers",
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
            "DEK-Info: AES-128-CBC,0F1E2D3C4B5A69788796A5B4C3D2E1F0\n\n"
            + "\n".join(body)
            + "\n-----END RSA PRIVATE KEY-----\n",
            tuple(body),
        ),
        ("pem_pgp", _pem("PGP PRIVATE KEY BLOCK", ["Version: GnuPG v2", "", *pgp]), tuple(pgp)),
        (
            "pem_truncated_then_prompt",
            "$ head -5 key.pem\n-----BEGIN PRIVATE KEY-----\n" + "\n".join(body[:4]) + "\nalice@box:~$ ls\n",
            tuple(body[:4]),
        ),
        (
            "pem_unterminated_eof",
            "-----BEGIN PRIVATE KEY-----\n" + "\n".join(body[:6]) + "\n",
            tuple(body[:6]),
        ),
        (
            "pem_in_json_escaped",
            f'{{"private_key": "{pk_json}-----END PRIVATE KEY-----\\n"}}\n',
            tuple(pk_json.split("\\n")[1:-1]),
        ),
        ("gcp_service_account", sa + "\n", tuple(line for line in pk_json.split("\\n")[1:-1])),
        ("aws_sts_json", sts, (aws_secret,)),
        (
            "jenkins_banner",
            "*************************************************************\n\n"
            "Jenkins initial setup is required. An admin user has been created and a password "
            "generated.\nPlease use the following password to proceed to installation:\n\n"
            f"{jenkins_pw}\n\nThis may also be found at: /var/jenkins_home/secrets/initialAdminPassword"
            "\n",
            (jenkins_pw,),
        ),
        ("json_value_next_line", f'{{\n  "client_secret":\n    "{split_secret}"\n}}\n', (split_secret,)),
        ("jwt_wrapped_76", "\n".join(fold(jwt, 76)) + "\n", tuple(fold(jwt, 76))),
        (
            "jwt_wrapped_prefix",
            "\n".join(fold("Authorization: Bearer " + jwt, 80)) + "\n",
            (jwt[:40], jwt[-40:]),
        ),
        ("ghp_wrapped", f"token: {ghp[:20]}\n{ghp[20:]}\n", (ghp[4:20], ghp[20:])),
        ("ghp_wrapped_fold", "\n".join(fold("export GITHUB_TOKEN=" + ghp, 30)) + "\n", (ghp[10:],)),
        ("password_prompt_value_next", f"Enter the database password:\n{split_secret}\n", (split_secret,)),
    ]
    out = [Case(n, "multiline", t, s) for n, t, s in cases]
    # A complete token at a line end, shorter than the usual length: the next line is not its tail.
    runner = "gl" + "rt-" + g.s(ALNUM, 20)
    sha = g.hex(40)
    text = f"{runner}\r\n\x1b[33mcommit {sha}\x1b[m\r\n"
    out.append(Case("short_token_then_word_line", "multiline", text, (runner,), ("commit " + sha,)))
    return out


def _ansi_cases(g: Gen) -> list[Case]:
    ghp = "gh" + "p_" + g.s(ALNUM, 36)
    pw = "Xk9" + g.s(ALNUM, 13)
    generic = g.s(ALNUM, 32)
    prompt = "\x1b[01;32malice@box\x1b[00m:\x1b[01;34m~/src\x1b[00m$ "

    green_body = _pem_body(g, 200)

    def zsh_redraw(word: str) -> str:
        # zsh-syntax-highlighting: echo the char, then back up over the word and repaint it.
        out = []
        for i in range(1, len(word) + 1):
            out.append(word[i - 1])
            out.append("\b" * i + "\x1b[32m" + word[:i] + "\x1b[39m")
        return "".join(out)

    def fish_suggest(prefix: str, rest: str) -> str:
        return prefix + "\x1b[90m" + rest + "\x1b[0m" + f"\x1b[{len(rest)}D"

    cases = [
        ("sgr_inside_token", f"token: {ghp[:10]}\x1b[1m{ghp[10:25]}\x1b[0m{ghp[25:]}\n", (ghp,)),
        ("sgr_wrapped_token", f"\x1b[33m{ghp}\x1b[0m\n", (ghp,)),
        ("erase_line_inside", f"export GITHUB_TOKEN={ghp[:15]}\x1b[K{ghp[15:]}\r\n", (ghp,)),
        ("prompt_then_typed", prompt + f"export GITHUB_TOKEN={ghp}" + "\r\n", (ghp,)),
        (
            "typed_with_backspace",
            prompt + f"export API_TOKEN={generic[:10]}x\b \b{generic[10:]}\r\n",
            (generic[10:],),
        ),
        ("zsh_highlight_redraw", prompt + "export GITHUB_TOKEN=" + zsh_redraw(ghp) + "\r\n", (ghp[4:],)),
        (
            "readline_cr_redraw",
            prompt + f"export GITHUB_TOKEN={ghp[:20]}\r" + prompt + f"export GITHUB_TOKEN={ghp}\r\n",
            (ghp[4:20], ghp[20:]),
        ),
        ("cursor_left_insert", f"password={pw[:6]}\x1b[3D\x1b[@Z\x1b[3C{pw[6:]}\r\n", (pw[6:],)),
        (
            "osc_title_command",
            f"\x1b]0;alice@box: curl -u bob:{pw} https://x\x07" + prompt + f"curl -u bob:{pw} https://x\r\n",
            (pw,),
        ),
        ("osc_title_token_only", f"\x1b]2;export GITHUB_TOKEN={ghp}\x1b\\done\r\n", (ghp,)),
        ("fish_autosuggestion", fish_suggest("export GITHUB_TOKEN=" + ghp[:6], ghp[6:]) + "\r\n", (ghp[6:],)),
        ("colored_keyword", f"\x1b[1;34mpassword\x1b[0m=\x1b[33m{pw}\x1b[0m\r\n", (pw,)),
        (
            "sgr_in_pem",
            "\x1b[32m-----BEGIN PRIVATE KEY-----\x1b[0m\r\n"
            + "\r\n".join("\x1b[32m" + line + "\x1b[0m" for line in green_body)
            + "\r\n\x1b[32m-----END PRIVATE KEY-----\x1b[0m\r\n",
            tuple(green_body),
        ),
        (
            "progress_cr_then_secret",
            f"Downloading 10%\rDownloading 50%\rDownloading 100%\r\nAPI_TOKEN={generic}\r\n",
            (generic,),
        ),
    ]
    return [Case(n, "ansi", t, s) for n, t, s in cases]


def _benign_cases(g: Gen) -> list[Case]:
    sha = g.hex(40)
    sha2 = g.hex(40)
    digest = g.hex(64)
    uuid = f"{g.hex(8)}-{g.hex(4)}-4{g.hex(3)}-a{g.hex(3)}-{g.hex(12)}"
    b64_text = base64.b64encode(b"The quick brown fox jumps over the lazy dog. " * 3).decode()
    b64_rand = g.b64(57)
    cert = _pem("CERTIFICATE", _pem_body(g, 600))
    pub = _pem("PUBLIC KEY", _pem_body(g, 290))
    pgp_pub = _pem("PGP PUBLIC KEY BLOCK", ["", *_pem_body(g, 400)])
    ssh_rsa = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ" + g.s(B64, 300) + " alice@box"
    ed = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + g.s(B64, 43) + " bob@laptop"
    cases = [
        (
            "git_log",
            f"\x1b[33mcommit {sha}\x1b[m\nAuthor: Alice <alice@example.com>\n"
            "Date:   Mon Nov 20 10:01:02 2024 +0100\n\n    Fix token refresh race\n",
        ),
        (
            "git_log_oneline",
            f"\x1b[33m{sha[:7]}\x1b[m Merge pull request #42 from acme/key-rotation\n"
            f"\x1b[33m{sha2[:7]}\x1b[m Rotate the signing key monthly\n",
        ),
        ("git_show_sha_line", f"commit {sha}\nMerge: {sha[:7]} {sha2[:7]}\n"),
        ("git_rev_parse", f"$ git rev-parse HEAD\n{sha}\n"),
        ("docker_digest", f"Digest: sha256:{digest}\nStatus: Downloaded newer image for nginx:1.25\n"),
        ("docker_pull_layers", f"{g.hex(12)}: Pull complete\n{g.hex(12)}: Already exists\n"),
        ("docker_images", f"nginx   1.25   {g.hex(12)}   2 weeks ago   187MB\n"),
        ("sha256sum", f"{digest}  release-1.2.3.tar.gz\n"),
        ("sha1sum", f"{sha}  notes.txt\n"),
        ("md5sum", f"{g.hex(32)}  image.iso\n"),
        ("uuid_log", f'{{"level":"info","request_id":"{uuid}","msg":"ok"}}\n'),
        ("trace_ids", f'{{"trace_id":"{g.hex(32)}","span_id":"{g.hex(16)}","dur":12}}\n'),
        ("npm_integrity", f'      "integrity": "sha512-{g.b64(64)}",\n'),
        ("pip_hash", f"    --hash=sha256:{digest} \\\n"),
        ("go_sum", f"github.com/acme/lib v1.4.2 h1:{g.b64(32)}\n"),
        ("cargo_lock", f'checksum = "{digest}"\n'),
        ("yarn_lock", f'  resolved "https://registry.yarnpkg.com/x/-/x-1.0.0.tgz#{sha}"\n'),
        ("sri_script", f'<script src="app.js" integrity="sha384-{g.b64(48)}"></script>\n'),
        ("base64_text", b64_text + "\n"),
        ("base64_random_line", b64_rand + "\n"),
        ("base64_wrapped", "\n".join(textwrap.wrap(g.b64(300), 76)) + "\n"),
        ("certificate", cert),
        ("public_key_pem", pub),
        ("pgp_public", pgp_pub),
        ("ssh_rsa_pub", ssh_rsa + "\n"),
        ("ssh_ed25519_pub", ed + "\n"),
        ("authorized_keys", f'command="/bin/false" {ed}\n'),
        ("kube_ca_data", f"    certificate-authority-data: {g.b64(900)}\n"),
        ("kube_client_cert", f"    client-certificate-data: {g.b64(700)}\n"),
        ("hex_colours", "color: #ff00aa; background: #1e1e2e; border: 1px solid #abcdef;\n"),
        ("css_vars", ":root { --primary-key-color: #336699; --token-size: 12px; }\n"),
        ("var_reference", "password=$DB_PASSWORD\n"),
        ("var_reference_braces", 'export API_TOKEN="${API_TOKEN}"\n'),
        ("var_bearer", 'curl -H "Authorization: Bearer $TOKEN" https://api.example.com\n'),
        ("var_bearer_braces", "Authorization: Bearer ${GITHUB_TOKEN}\n"),
        ("template_placeholder", "password: {{ .Values.db.password }}\n"),
        ("angle_placeholder", "Authorization: Bearer <your-token-here>\n"),
        ("masked_stars", "password: ********\n"),
        ("masked_x", "token=xxxxxxxxxxxxxxxx\n"),
        ("masked_redacted", '{"password": "<redacted>", "user": "alice"}\n'),
        ("already_redacted", "API_KEY=[REDACTED:api_key]\n"),
        ("sudo_prompt", "[sudo] password for alice: \nSorry, try again.\n"),
        ("ssh_prompt", "alice@web1's password: \nWelcome to Ubuntu 22.04.3 LTS\n"),
        ("bare_password_prompt", "Password:\n"),
        ("passphrase_prompt", "Enter passphrase for key '/home/alice/.ssh/id_ed25519': \n"),
        ("password_policy", "Password must be at least 12 characters long.\n"),
        ("token_count_json", '{"prompt_tokens": 120, "completion_tokens": 64, "total_tokens": 184}\n'),
        ("max_tokens", "max_tokens=256 temperature=0.2\n"),
        ("secret_name", '{"secret_name": "db-creds", "namespace": "prod"}\n'),
        (
            "kubectl_get_secrets",
            "NAME                  TYPE                DATA   AGE\n"
            "default-token-x7k2p   kubernetes.io/sa    3      41d\n",
        ),
        ("env_pwd", "PWD=/home/alice/src\nOLDPWD=/home/alice\nSHELL=/bin/bash\n"),
        ("test_pass_lines", "PASS: test_parser\nPASS: test_lexer\n# PASS:  2\n"),
        ("pytest_passed", "tests/test_auth.py::test_token_refresh PASSED        [ 50%]\n"),
        ("password_file_path", "password_file=/run/secrets/db_password\n"),
        ("key_path_flag", "$ ssh -i ~/.ssh/id_ed25519 --key /etc/ssl/private/server.key\n"),
        ("api_key_id", 'aws_access_key_id_hint = "last4: 7QXZ"\napi_key_id = "key-2024"\n'),
        ("yaml_key_label", "  - key: app.kubernetes.io/name\n    operator: In\n"),
        ("primary_key_sql", "PRIMARY KEY (id), KEY idx_token (token_hash)\n"),
        ("code_getpass", "password = getpass.getpass()\n"),
        ("code_environ", 'token = os.environ["GITHUB_TOKEN"]\n'),
        ("code_call", "secret = vault.read(path).data\n"),
        ("url_no_password", "https://alice@example.com/repo.git git@github.com:acme/app.git\n"),
        ("url_placeholder_password", "postgres://user:password@localhost:5432/db\n"),
        ("email_and_ips", "contact bob@example.org from 10.0.0.12:8080 at 2024-11-21T10:00:00Z\n"),
        ("stripe_publishable", f"pk_live_{g.s(ALNUM, 24)}\n"),
        ("words_with_sk_dash", "task-runner-v2 desk-setup-guide disk-usage-report\n"),
        ("ghp_docs", "Tokens start with ghp_ for personal access tokens.\n"),
        ("semver_and_ids", "release v1.2.3-rc.1 build 20241121.4 pid 4242\n"),
        (
            "ls_listing",
            "-rw-r--r-- 1 alice staff 4096 Nov 21 10:00 token_refresh.py\n"
            "drwxr-xr-x 3 alice staff   96 Nov 21 10:00 secrets\n",
        ),
        ("keyboard_monkey", "monkey keyboard turkey hockey whiskey\n"),
        ("author_lines", "Author: Dana Key <dana@example.com>\n"),
        ("bearer_in_docs", 'Set the header "Authorization: Bearer" followed by the token.\n'),
        ("uuid_token_context_none", f"session {uuid} started\n"),
        ("cert_fingerprint", f"SHA256:{g.b64(32).rstrip('=')} alice@box (ED25519)\n"),
        ("aws_arn", "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf\n"),
        ("compiler_warning", "src/auth.c:42:7: warning: unused variable 'token' [-Wunused-variable]\n"),
        ("json_token_null", '{"token": null, "password": "", "secret": false}\n'),
        ("curl_no_password", "$ curl -u alice https://api.example.com\n"),
        ("mysql_prompt_flag", "$ mysql -u root -p shop\nEnter password: \n"),
        ("mysql_port_flag", "$ mysql -h db -P3306 -u app shop\n"),
        # Found by running the redactor over man pages and the Python standard library:
        ("docs_flag_prose", "      Same as --pass but used in HTTPS proxy context.\n"),
        ("docs_synopsis_metavar", "       --passwd user-id\n       --change-passphrase user-id\n"),
        ("docs_header_prose", "Authorization: headers aren't forwarded on a 3xx response by default.\n"),
        ("docs_env_name", "overridden by the GIT_SSL_CERT_PASSWORD_PROTECTED environment variable.\n"),
        ("code_warning_class", "  GetPassWarning: When we were unable to turn echo off on the input.\n"),
        ("code_call_value", "        passwd = fallback_getpass(prompt, stream)\n"),
        ("code_tuple_assign", "        self.user, self.password = user, password\n"),
        ("code_header_lookup", '        authorization = self.headers.get("authorization")\n'),
        ("code_attribute_value", "        RegOpenKeyEx = win32api.RegOpenKeyEx\n"),
        ("code_keyword_arg", "        Popen(args, pass_fds=pass_fds, pwd=pwd)\n"),
        ("code_pattern_constant", "    GROUP_PAT = 'fr.comp.lang.*'\n"),
        ("code_format_string", '    raise TypeError("pwd: expected bytes, got %s" % type(pwd).__name__)\n'),
        ("code_constant_value", "        ctx.load_cert_chain(CERTFILE, password=KEY_PASSWORD)\n"),
        ("code_index_value", "                    password = auth[2]\n"),
        ("gh_auth_status_masked", "  - Token: gho_************************************\n"),
        ("aws_configure_list", "   secret_key     ****************WXYZ shared-credentials-file\n"),
        (
            "ssh_keygen_fingerprint",
            "The key fingerprint is:\nSHA256:Xk2v0f9wq3nL8mR4tY7uI1oP5aS6dF0gH2jK4lZ8xC9 alice@box\n",
        ),
        ("openssl_public_key", "        Subject Public Key Info:\n            Public-Key: (2048 bit)\n"),
        ("npm_protected", "; //registry.npmjs.org/:_authToken = (protected)\n"),
        (
            "docker_login_warning",
            "WARNING! Your password will be stored unencrypted in /root/.docker/config.json.\n",
        ),
        (
            "mysql_banner_after_prompt",
            "Enter password: \nWelcome to the MySQL monitor.  Commands end with ; or \\g.\n",
        ),
    ]
    return [Case(n, "benign", t) for n, t in cases]


def cases(seed: int = 20241121) -> list[Case]:
    g = Gen(seed)
    out = _token_cases(g) + _context_cases(g) + _multiline_cases(g) + _ansi_cases(g) + _benign_cases(g)
    names = [c.name for c in out]
    assert len(names) == len(set(names)), "duplicate case names"
    return out
