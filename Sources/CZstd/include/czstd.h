#ifndef CZSTD_H
#define CZSTD_H

#include <stddef.h>

/// The part of the zstd API this package uses, loaded from libzstd at run
/// time. Machines have the runtime library but often not <zstd.h>, so the
/// declarations below mirror zstd's stable ABI (zstd 1.4.0 and later)
/// instead of including the header.

/// An opaque streaming decompression context (`ZSTD_DCtx`).
typedef struct czstd_dctx czstd_dctx;
/// An opaque streaming compression context (`ZSTD_CCtx`).
typedef struct czstd_cctx czstd_cctx;

/// Layout of `ZSTD_inBuffer`.
typedef struct {
    const void *src;
    size_t size;
    size_t pos;
} czstd_in_buffer;

/// Layout of `ZSTD_outBuffer`.
typedef struct {
    void *dst;
    size_t size;
    size_t pos;
} czstd_out_buffer;

/// Values of zstd's parameter and directive enums that this package uses.
enum {
    CZSTD_D_WINDOW_LOG_MAX = 100,      // ZSTD_d_windowLogMax
    CZSTD_C_COMPRESSION_LEVEL = 100,   // ZSTD_c_compressionLevel
    CZSTD_E_FLUSH = 1,                 // ZSTD_e_flush
    CZSTD_RESET_SESSION_ONLY = 1,      // ZSTD_reset_session_only
};

/// Loads libzstd once per process (thread-safe). Returns NULL when every
/// function below is usable, otherwise a static message naming the
/// libraries tried and why each failed.
const char *czstd_load(void);

/// Tries to open one library by name and resolve every symbol, without
/// touching the process-wide state; for tests of the failure message.
/// Returns 1 on success, 0 with a message in `error` otherwise.
int czstd_probe(const char *library_name, char *error, size_t error_size);

// Forwarders to the loaded library. Call only after czstd_load() returned NULL.
czstd_dctx *czstd_create_dctx(void);
size_t czstd_free_dctx(czstd_dctx *context);
size_t czstd_dctx_reset(czstd_dctx *context, int directive);
size_t czstd_dctx_set_parameter(czstd_dctx *context, int parameter, int value);
size_t czstd_decompress_stream(czstd_dctx *context, czstd_out_buffer *output, czstd_in_buffer *input);
size_t czstd_dstream_out_size(void);

czstd_cctx *czstd_create_cctx(void);
size_t czstd_free_cctx(czstd_cctx *context);
size_t czstd_cctx_set_parameter(czstd_cctx *context, int parameter, int value);
size_t czstd_compress_stream2(czstd_cctx *context, czstd_out_buffer *output, czstd_in_buffer *input, int directive);

unsigned czstd_is_error(size_t code);
const char *czstd_get_error_name(size_t code);

#endif
