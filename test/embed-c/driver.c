/*
 * Embeds the decision core (build/wrunc-core.wasm, translated to C by wasm2c) in a native
 * program, the way a C runtime would, and runs it over a stream of inputs.
 *
 * stdin:  records of  u32le factsLen, facts bytes, u32le configLen, config bytes   until EOF
 * stdout: per record  u32le resultLen, result bytes (the JSON the core wrote)
 *
 * Nothing but the contract's raw ABI is used: alloc, copy in, decide, read the u32le length
 * prefix, copy out, free. A trap is reported on stderr with the record number and exit code 2,
 * so the test can tell a trap from a mismatch.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "wasm-rt-impl.h"

static Z_core_instance_t core;

static int read_exact(void *buf, size_t n) {
  return n == 0 || fread(buf, 1, n, stdin) == n;
}

/* Little-endian on the wire whatever the host's byte order, as in Wasm memory. */
static uint32_t le32(const uint8_t b[4]) {
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint8_t *read_block(uint32_t *len, int *eof) {
  uint8_t hdr[4];
  size_t got = fread(hdr, 1, 4, stdin);
  if (got == 0 && eof) { *eof = 1; return NULL; }
  if (got != 4) { fprintf(stderr, "driver: truncated length\n"); exit(1); }
  *len = le32(hdr);
  uint8_t *buf = malloc(*len ? *len : 1);
  if (!buf || !read_exact(buf, *len)) { fprintf(stderr, "driver: truncated block of %u bytes\n", *len); exit(1); }
  return buf;
}

/* Bounds-checked view of the module's memory: a bad pointer from the core is a bug to report,
 * not something to read past. The memory may move when it grows, so look it up after each call. */
static uint8_t *mem(uint32_t ptr, uint32_t len) {
  wasm_rt_memory_t *m = Z_coreZ_memory(&core);
  if ((uint64_t)ptr + len > m->size) {
    fprintf(stderr, "driver: core pointer %u+%u outside memory of %u bytes\n", ptr, len, m->size);
    exit(1);
  }
  return m->data + ptr;
}

/* As host/core.ts: an empty input is pointer 0 (nothing allocated, nothing freed); alloc returning
 * 0 means the core cannot take the input. */
static uint32_t copy_in(const uint8_t *bytes, uint32_t len) {
  if (len == 0) return 0;
  uint32_t ptr = Z_coreZ_alloc(&core, len);
  if (ptr == 0) { fprintf(stderr, "driver: the core cannot take an input of %u bytes\n", len); exit(1); }
  memcpy(mem(ptr, len), bytes, len);
  return ptr;
}

int main(void) {
  wasm_rt_init();
  Z_core_init_module();
  Z_core_instantiate(&core);
  if (Z_coreZ_abi_version(&core) != 1) { fprintf(stderr, "driver: abi_version is not 1\n"); return 1; }

  for (unsigned long record = 0;; record++) {
    int eof = 0;
    uint32_t factsLen, configLen;
    uint8_t *facts = read_block(&factsLen, &eof);
    if (eof) break;
    uint8_t *config = read_block(&configLen, NULL);

    wasm_rt_trap_t trap = wasm_rt_impl_try();
    if (trap != WASM_RT_TRAP_NONE) {
      fprintf(stderr, "driver: trap in record %lu: %s\n", record, wasm_rt_strerror(trap));
      return 2;
    }
    uint32_t factsPtr = copy_in(facts, factsLen);
    uint32_t configPtr = copy_in(config, configLen);
    uint32_t result = Z_coreZ_decide(&core, factsPtr, factsLen, configPtr, configLen);
    uint32_t resultLen = le32(mem(result, 4));
    if (fwrite(mem(result, 4), 1, 4, stdout) != 4 || fwrite(mem(result + 4, resultLen), 1, resultLen, stdout) != resultLen) {
      perror("driver: write");
      return 1;
    }
    Z_coreZ_free(&core, result);
    if (configPtr) Z_coreZ_free(&core, configPtr);
    if (factsPtr) Z_coreZ_free(&core, factsPtr);
    free(facts);
    free(config);
  }
  if (fflush(stdout) != 0) { perror("driver: flush"); return 1; }
  Z_core_free(&core);
  wasm_rt_free();
  return 0;
}
