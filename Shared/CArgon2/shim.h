#ifndef HXB_CARGON2_SHIM_H
#define HXB_CARGON2_SHIM_H
#include <argon2.h>
#endif
