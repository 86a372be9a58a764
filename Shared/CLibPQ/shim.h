#ifndef HXB_CLIBPQ_SHIM_H
#define HXB_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
