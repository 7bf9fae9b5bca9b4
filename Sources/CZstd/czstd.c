#include "czstd.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

// The C side owns dlopen/dlsym so Swift never converts a void pointer into
// a function pointer; these typedefs are the real zstd signatures.
typedef struct {
    czstd_dctx *(*create_dctx)(void);
    size_t (*free_dctx)(czstd_dctx *);
    size_t (*dctx_reset)(czstd_dctx *, int);
    size_t (*dctx_set_parameter)(czstd_dctx *, int, int);
    size_t (*decompress_stream)(czstd_dctx *, czstd_out_buffer *, czstd_in_buffer *);
    size_t (*dstream_out_size)(void);
    czstd_cctx *(*create_cctx)(void);
    size_t (*free_cctx)(czstd_cctx *);
    size_t (*cctx_set_parameter)(czstd_cctx *, int, int);
    size_t (*compress_stream2)(czstd_cctx *, czstd_out_buffer *, czstd_in_buffer *, int);
    unsigned (*is_error)(size_t);
    const char *(*get_error_name)(size_t);
} czstd_api;

static czstd_api loaded;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[1024];
static int load_failed;

#if defined(__APPLE__)
static const char *const library_names[] = {"libzstd.1.dylib", "libzstd.dylib"};
#else
static const char *const library_names[] = {"libzstd.so.1", "libzstd.so"};
#endif

// Resolves every symbol from `handle` into `api`; on failure writes which one is missing.
static int resolve(void *handle, const char *library_name, czstd_api *api, char *error, size_t error_size) {
#define CZSTD_RESOLVE(field, symbol)                                                                  \
    do {                                                                                              \
        void *address = dlsym(handle, symbol);                                                        \
        if (address == NULL) {                                                                        \
            snprintf(error, error_size, "%s lacks %s (zstd 1.4.0 or later is needed)", library_name, \
                     symbol);                                                                         \
            return 0;                                                                                 \
        }                                                                                             \
        memcpy(&api->field, &address, sizeof(address));                                              \
    } while (0)
    CZSTD_RESOLVE(create_dctx, "ZSTD_createDCtx");
    CZSTD_RESOLVE(free_dctx, "ZSTD_freeDCtx");
    CZSTD_RESOLVE(dctx_reset, "ZSTD_DCtx_reset");
    CZSTD_RESOLVE(dctx_set_parameter, "ZSTD_DCtx_setParameter");
    CZSTD_RESOLVE(decompress_stream, "ZSTD_decompressStream");
    CZSTD_RESOLVE(dstream_out_size, "ZSTD_DStreamOutSize");
    CZSTD_RESOLVE(create_cctx, "ZSTD_createCCtx");
    CZSTD_RESOLVE(free_cctx, "ZSTD_freeCCtx");
    CZSTD_RESOLVE(cctx_set_parameter, "ZSTD_CCtx_setParameter");
    CZSTD_RESOLVE(compress_stream2, "ZSTD_compressStream2");
    CZSTD_RESOLVE(is_error, "ZSTD_isError");
    CZSTD_RESOLVE(get_error_name, "ZSTD_getErrorName");
#undef CZSTD_RESOLVE
    return 1;
}

// Opens `library_name` and resolves the API; returns the open handle, or NULL with `error` set.
static void *open_library(const char *library_name, czstd_api *api, char *error, size_t error_size) {
    void *handle = dlopen(library_name, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *reason = dlerror();
        snprintf(error, error_size, "%s: %s", library_name, reason != NULL ? reason : "dlopen failed");
        return NULL;
    }
    if (!resolve(handle, library_name, api, error, error_size)) {
        dlclose(handle);
        return NULL;
    }
    return handle;
}

static void load_library(void) {
    size_t used = (size_t)snprintf(load_error, sizeof load_error, "libzstd could not be loaded; tried");
    for (size_t index = 0; index < sizeof library_names / sizeof library_names[0]; index++) {
        char reason[384];
        // The handle stays open for the life of the process.
        if (open_library(library_names[index], &loaded, reason, sizeof reason) != NULL) {
            load_failed = 0;
            load_error[0] = '\0';
            return;
        }
        if (used < sizeof load_error) {
            used += (size_t)snprintf(load_error + used, sizeof load_error - used, "%s %s", index == 0 ? "" : ";",
                                     reason);
        }
    }
    load_failed = 1;
}

const char *czstd_load(void) {
    pthread_once(&load_once, load_library);
    return load_failed ? load_error : NULL;
}

int czstd_probe(const char *library_name, char *error, size_t error_size) {
    czstd_api api;
    void *handle = open_library(library_name, &api, error, error_size);
    if (handle == NULL) return 0;
    dlclose(handle);
    return 1;
}

czstd_dctx *czstd_create_dctx(void) { return loaded.create_dctx(); }
size_t czstd_free_dctx(czstd_dctx *context) { return loaded.free_dctx(context); }
size_t czstd_dctx_reset(czstd_dctx *context, int directive) { return loaded.dctx_reset(context, directive); }
size_t czstd_dctx_set_parameter(czstd_dctx *context, int parameter, int value) {
    return loaded.dctx_set_parameter(context, parameter, value);
}
size_t czstd_decompress_stream(czstd_dctx *context, czstd_out_buffer *output, czstd_in_buffer *input) {
    return loaded.decompress_stream(context, output, input);
}
size_t czstd_dstream_out_size(void) { return loaded.dstream_out_size(); }

czstd_cctx *czstd_create_cctx(void) { return loaded.create_cctx(); }
size_t czstd_free_cctx(czstd_cctx *context) { return loaded.free_cctx(context); }
size_t czstd_cctx_set_parameter(czstd_cctx *context, int parameter, int value) {
    return loaded.cctx_set_parameter(context, parameter, value);
}
size_t czstd_compress_stream2(czstd_cctx *context, czstd_out_buffer *output, czstd_in_buffer *input, int directive) {
    return loaded.compress_stream2(context, output, input, directive);
}

unsigned czstd_is_error(size_t code) { return loaded.is_error(code); }
const char *czstd_get_error_name(size_t code) { return loaded.get_error_name(code); }
