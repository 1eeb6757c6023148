"""Log lines, billing and the tail, as Lambda writes them."""

from __future__ import annotations

import base64

from sandbox.emulator import logs


def test_report_line_is_tab_separated_with_init_duration_on_cold_start():
    line = logs.report_line("abc", 15.744, 16, 128, 56, 130.49)

    assert line == (
        "REPORT RequestId: abc\tDuration: 15.74 ms\tBilled Duration: 16 ms\tMemory Size: 128 MB\t"
        "Max Memory Used: 56 MB\tInit Duration: 130.49 ms\t"
    )


def test_report_line_for_a_timeout_has_a_status_and_no_init_duration():
    line = logs.report_line("abc", 3000.0, 3000, 128, 40, None, "Status: timeout")

    assert "Init Duration" not in line
    assert line.endswith("Status: timeout\t")


def test_billing_rounds_up_and_includes_init_by_default():
    assert logs.billed_ms(3004.92, 111.23, init_billing=True) == 3117
    assert logs.billed_ms(15.74, 130.49, init_billing=False) == 16
    assert logs.billed_ms(0.2, None, init_billing=True) == 1


def test_tail_keeps_only_the_last_4_kb():
    lines = ["START RequestId: r Version: $LATEST", "x" * 10000, "END RequestId: r", "REPORT RequestId: r\t"]

    decoded = base64.b64decode(logs.tail(lines))

    assert len(decoded) == 4096
    assert decoded.endswith(b"END RequestId: r\nREPORT RequestId: r\t\n")


def test_timestamps_start_at_the_emulated_epoch():
    assert logs.iso(0.0) == "2026-01-01T00:00:00.000Z"
    assert logs.iso(61.5, millis=False) == "2026-01-01T00:01:01Z"
    assert logs.epoch_ms(1.0) == 1767225601000
