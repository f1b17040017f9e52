"""`python -m devstack` as a process: ready line and file, what it prints, Ctrl-C, port conflicts."""

from __future__ import annotations

import socket
from pathlib import Path

import psutil
from devstack_e2e import start_stack, stop_stack, wait_ready


def test_ready_then_clean_stop_on_ctrl_c(tmp_path: Path) -> None:
    process, ready, log = start_stack(tmp_path, "--no-prewarm")
    info = wait_ready(process, ready, log)
    output = log.read_text()
    assert "devstack ready in" in output
    for url in (
        info["api_url"],
        info["page_url"],
        info["lambda_url"],
        info["moto_url"],
        info["emulator_url"],
    ):
        assert url in output
    assert info["caller_key"] in output
    assert str(tmp_path / "drop") in output
    env_file = Path(info["env_file"]).read_text()
    assert f"export API={info['api_url']}" in env_file
    assert f"export CALLER_KEY={info['caller_key']}" in env_file
    children = psutil.Process(process.pid).children(recursive=True)
    assert stop_stack(process) == 0
    assert "devstack stopped" in log.read_text()
    assert not ready.exists()
    assert not [child for child in children if child.is_running() and child.status() != psutil.STATUS_ZOMBIE]


def test_a_configured_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process, _, log = start_stack(tmp_path, "--api-port", str(port))
        assert process.wait(timeout=60) == 2
    assert f"cannot listen on 127.0.0.1:{port} for api" in log.read_text()
