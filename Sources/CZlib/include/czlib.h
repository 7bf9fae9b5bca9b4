#ifndef CZLIB_H
#define CZLIB_H

#include <zlib.h>

/// `inflateInit2` and `deflateInit2` are macros that Swift cannot call;
/// these functions forward to them with the linked zlib's version and size.
int czlib_inflate_init2(z_streamp stream, int window_bits);
int czlib_deflate_init2(z_streamp stream, int level, int window_bits, int mem_level, int strategy);

#endif
