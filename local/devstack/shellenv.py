"""What `make dev` leaves for other shells and tools: ``env.sh``, its own AWS files, ``outputs.json``.

``env.sh`` gives a shell the stack's URLs and keys and points AWS SDKs and the AWS CLI at the local
stack through a profile in the state folder's own config and credentials files (``endpoint_url``
per profile and per service), after setting aside every ``AWS_*`` variable the shell had.
``devstack_deactivate`` restores them, so the shell reaches the real account again; a shell that
never sourced the file is untouched. ``outputs.json`` describes the stack the way CloudFormation
outputs describe a deployed one (``python -m ops smoke --local`` reads it).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROFILE = "devstack"

# Sourced by bash or zsh: remembers each AWS_* variable (or that it was unset) in one restore line.
_ENV_PROLOGUE = r"""# Written by `make dev` (python -m devstack). In another shell:
#   source {env_file}        the stack's URLs and keys; AWS tools reach the local stack only
#   devstack_deactivate       leave it: your own AWS settings come back
if [ -n "${{DEVSTACK_ENV-}}" ] && command -v devstack_deactivate >/dev/null 2>&1; then devstack_deactivate; fi
_DEVSTACK_RESTORE=""
for _devstack_var in $(env | sed -n 's/^\(AWS_[A-Za-z0-9_]*\)=.*/\1/p'); do
  _DEVSTACK_RESTORE="$_DEVSTACK_RESTORE export $_devstack_var=$(eval "printf '%q' \"\${{$_devstack_var}}\"");"
  unset "$_devstack_var"
done
for _devstack_var in AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE AWS_PROFILE; do
  case "$_DEVSTACK_RESTORE" in
    *" export $_devstack_var="*) ;;
    *) _DEVSTACK_RESTORE="$_DEVSTACK_RESTORE unset $_devstack_var;" ;;
  esac
done
unset _devstack_var
"""

_ENV_EPILOGUE = r"""devstack_deactivate() {{
  unset {names}
  eval "$_DEVSTACK_RESTORE"
  unset _DEVSTACK_RESTORE
  unset -f devstack_deactivate
}}
"""


def aws_config(aws_endpoint: str, lambda_endpoint: str, region: str) -> str:
    return (
        f"# The local stack's AWS profile (written by `make dev`): moto for every service, the local\n"
        f"# Lambda endpoint for lambda. Used only by shells that sourced env.sh.\n"
        f"[profile {PROFILE}]\n"
        f"region = {region}\n"
        f"output = json\n"
        f"endpoint_url = {aws_endpoint}\n"
        f"services = {PROFILE}-services\n\n"
        f"[services {PROFILE}-services]\n"
        f"lambda =\n"
        f"  endpoint_url = {lambda_endpoint}\n"
    )


def aws_credentials(credentials: Mapping[str, str]) -> str:
    return (
        f"[{PROFILE}]\n"
        f"aws_access_key_id = {credentials['AWS_ACCESS_KEY_ID']}\n"
        f"aws_secret_access_key = {credentials['AWS_SECRET_ACCESS_KEY']}\n"
        f"aws_session_token = {credentials['AWS_SESSION_TOKEN']}\n"
    )


def env_script(workdir: Path, values: Mapping[str, str]) -> str:
    env_file = workdir / "env.sh"
    aws = {
        "AWS_CONFIG_FILE": str(workdir / "aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "aws" / "credentials"),
        "AWS_PROFILE": PROFILE,
        "DEVSTACK_ENV": str(env_file),
    }
    exported = {**values, **aws}
    lines = [_ENV_PROLOGUE.format(env_file=shlex.quote(str(env_file)))]
    lines += [f"export {k}={shlex.quote(str(v))}\n" for k, v in exported.items()]
    # The AWS_* names are restored (or unset) by the saved line; the others are the stack's own.
    names = " ".join(k for k in exported if not k.startswith("AWS_"))
    lines.append(_ENV_EPILOGUE.format(names=names))
    return "".join(lines)


def write_shell_files(
    workdir: Path,
    values: Mapping[str, str],
    *,
    aws_endpoint: str,
    lambda_endpoint: str,
    region: str,
    credentials: Mapping[str, str],
    outputs: Mapping[str, Any],
) -> Path:
    """Write env.sh, aws/config, aws/credentials and outputs.json (owner-only); return env.sh's path."""
    aws_dir = workdir / "aws"
    aws_dir.mkdir(parents=True, exist_ok=True)
    files = {
        aws_dir / "config": aws_config(aws_endpoint, lambda_endpoint, region),
        aws_dir / "credentials": aws_credentials(credentials),
        workdir / "outputs.json": json.dumps(outputs, indent=2) + "\n",
        workdir / "env.sh": env_script(workdir, values),
    }
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
        path.chmod(0o600)
    return workdir / "env.sh"
