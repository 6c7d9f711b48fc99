/*
 * SHA-256 and HMAC-SHA-256 against published test vectors, and the keyed
 * pseudonym built on them. Vectors: FIPS 180-2 appendix B examples and
 * RFC 4231 test cases 1, 2, 3, 6 and 7 (also confirmed with Python's hashlib
 * and hmac modules).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "data/data.h"
#include "core/sha256.h"

static void to_hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

static void check_sha(const void *msg, size_t len, const char *expect)
{
    uint8_t d[32];
    char hex[65];
    seg_sha256 s;
    seg_sha256_init(&s);
    seg_sha256_update(&s, msg, len);
    seg_sha256_final(&s, d);
    to_hex(d, 32, hex);
    assert_string_equal(hex, expect);
}

static void test_sha256_vectors(void **state)
{
    (void)state;
    check_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* One million 'a', fed in uneven pieces to exercise the block buffer. */
    static char a[1000000];
    memset(a, 'a', sizeof a);
    uint8_t d[32];
    char hex[65];
    seg_sha256 s;
    seg_sha256_init(&s);
    for (size_t off = 0, step = 1; off < sizeof a; off += step, step = step % 97 + 13)
        seg_sha256_update(&s, a + off, off + step <= sizeof a ? step : sizeof a - off);
    seg_sha256_final(&s, d);
    to_hex(d, 32, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void check_hmac(const void *key, size_t kl, const void *msg, size_t ml, const char *expect)
{
    uint8_t mac[32];
    char hex[65];
    seg_hmac_sha256(key, kl, msg, ml, mac);
    to_hex(mac, 32, hex);
    assert_string_equal(hex, expect);
}

static void test_hmac_rfc4231(void **state)
{
    (void)state;
    uint8_t k20[20], kaa20[20], kaa131[131], dd[50];
    memset(k20, 0x0b, sizeof k20);
    memset(kaa20, 0xaa, sizeof kaa20);
    memset(kaa131, 0xaa, sizeof kaa131);
    memset(dd, 0xdd, sizeof dd);
    check_hmac(k20, 20, "Hi There", 8,
               "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    check_hmac("Jefe", 4, "what do ya want for nothing?", 28,
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    check_hmac(kaa20, 20, dd, 50,
               "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    check_hmac(kaa131, 131, m6, strlen(m6),
               "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    const char *m7 = "This is a test using a larger than block-size key and a larger than "
                     "block-size data. The key needs to be hashed before being used by the "
                     "HMAC algorithm.";
    check_hmac(kaa131, 131, m7, strlen(m7),
               "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

static void test_pseudonym(void **state)
{
    (void)state;
    const char key[] = "0123456789abcdef";
    char out[65], again[65], other[65];
    assert_int_equal(seg_privacy_pseudonymize_id(key, 16, "C000123", 7, out, sizeof out), SEG_OK);
    /* hmac.new(b'0123456789abcdef', b'C000123', 'sha256').hexdigest() */
    assert_string_equal(out, "74dea9fd29bbc06fe941505d353a0be8c3055bc495f51d4840231e101dde1a1a");
    assert_int_equal(seg_privacy_pseudonymize_id(key, 16, "C000123", 7, again, sizeof again),
                     SEG_OK);
    assert_string_equal(out, again);
    assert_int_equal(seg_privacy_pseudonymize_id(key, 16, "C000124", 7, other, sizeof other),
                     SEG_OK);
    assert_string_not_equal(out, other);
    assert_int_equal(seg_privacy_pseudonymize_id(key, 15, "C1", 2, out, sizeof out),
                     SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "16 bytes"));
    assert_int_equal(seg_privacy_pseudonymize_id(key, 16, "C1", 2, out, 64), SEG_ERR_MISMATCH);
    assert_int_equal(seg_privacy_pseudonymize_id(NULL, 16, "C1", 2, out, 65), SEG_ERR_INVALID_ARG);
}

/*
 * seg_pseudonymize_id(), the deprecated name, gives exactly what
 * seg_privacy_pseudonymize_id() gives, for empty, short, embedded-NUL and
 * long ids, and the same status on bad input.
 */
static void test_deprecated_name(void **state)
{
    (void)state;
    const char key[] = "a key of thirty-two bytes, 32 B.";
    char long_id[300];
    memset(long_id, 'x', sizeof long_id);
    const struct {
        const char *id;
        size_t len;
    } ids[] = {{"", 0}, {"C000123", 7}, {"C\0" "01", 4}, {long_id, sizeof long_id}};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char a[65], b[65];
        memset(a, 0, sizeof a);
        memset(b, 1, sizeof b);
        assert_int_equal(seg_privacy_pseudonymize_id(key, 32, ids[i].id, ids[i].len, a, sizeof a),
                         SEG_OK);
        assert_int_equal(seg_pseudonymize_id(key, 32, ids[i].id, ids[i].len, b, sizeof b), SEG_OK);
        assert_int_equal(strlen(a), 64);
        assert_string_equal(a, b);
    }
    char out[65];
    assert_int_equal(seg_pseudonymize_id(key, 15, "C1", 2, out, sizeof out), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_pseudonymize_id(key, 32, "C1", 2, out, 64), SEG_ERR_MISMATCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_hmac_rfc4231),
        cmocka_unit_test(test_pseudonym),
        cmocka_unit_test(test_deprecated_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
