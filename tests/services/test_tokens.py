"""Secrets shown once: only their SHA-256 digest is kept, and compared in constant time."""

import hashlib

from services import tokens


def test_a_new_secret_is_long_random_and_url_safe():
    first, second = tokens.new_secret(), tokens.new_secret()
    assert first != second
    assert len(first) >= 43  # 32 random bytes
    assert set(first) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_only_the_digest_is_kept_and_it_matches_only_its_secret():
    secret = tokens.new_secret()
    stored = tokens.digest(secret)
    assert stored == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in stored
    assert tokens.matches(secret, stored)
    assert not tokens.matches(secret + "x", stored)
