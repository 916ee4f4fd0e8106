"""Delivery errors recorded before they were kept free of addresses are rewritten by a data migration."""

import importlib

import pytest

cleanup = importlib.import_module("notifications.migrations.0006_webhook_errors_without_addresses")


@pytest.mark.parametrize(
    ("recorded", "shown"),
    [
        ("Not sent: vm leads to 127.0.0.1, which is not on the internet.", cleanup.REFUSED),
        ("보내지 않음: vm은(는) 인터넷 주소가 아닌 127.0.0.1(으)로 연결됩니다.", cleanup.REFUSED),
        ("ConnectionError: HTTPConnectionPool(host='10.0.0.5', port=80): Max retries exceeded", cleanup.NO_CONNECTION),
        ("ReadTimeout: HTTPSConnectionPool(host='vm', port=443): Read timed out.", cleanup.TIMED_OUT),
        ("SSLError: [SSL: CERTIFICATE_VERIFY_FAILED] for 192.168.0.3", cleanup.NO_CONNECTION),
        ("The receiver answered 500.", "The receiver answered 500."),
        ("", ""),
    ],
)
def test_an_old_error_is_told_without_addresses(recorded, shown):
    assert cleanup._safe(recorded) == shown
