#ifndef HXB_CNATS_SHIM_H
#define HXB_CNATS_SHIM_H
#include <nats/nats.h>
#endif
