#ifndef HXB_CZLIB_SHIM_H
#define HXB_CZLIB_SHIM_H
#include <zlib.h>

// inflateInit2 is a macro (it passes the library version and the struct size), which Swift
// cannot call: this is the same call for a gzip stream (RFC 1952 header and trailer).
static inline int hxb_inflate_init_gzip(z_streamp stream) {
    return inflateInit2(stream, 16 + MAX_WBITS);
}
#endif
