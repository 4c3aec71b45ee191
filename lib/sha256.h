/*
 * SHA-256 (FIPS 180-4), for the takeover plan's state hash and the
 * stored form of its confirmation code.
 */
#ifndef SNGUARD_SHA256_H
#define SNGUARD_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed */
	uint8_t buf[64];
	size_t nbuf;
};

void sha256_init(struct sha256 *);
void sha256_update(struct sha256 *, const void *, size_t);
void sha256_final(struct sha256 *, uint8_t digest[32]);
/* The digest of data as 64 lower-case hex digits and a NUL. */
void sha256_hex(const void *data, size_t len, char hex[65]);

#endif /* SNGUARD_SHA256_H */
