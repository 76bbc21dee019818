/* voipsec: umbrella header of libvoipsec. */
#ifndef VOIPSEC_H
#define VOIPSEC_H

#include <voipsec/core.h>
#include <voipsec/sip.h>
#include <voipsec/sdp.h>
#include <voipsec/finding.h>
#include <voipsec/capture.h>
#include <voipsec/store.h>
#include <voipsec/monitor.h>
#include <voipsec/conf.h>
#include <voipsec/audit.h>
#include <voipsec/access.h>
#include <voipsec/creds.h>
#include <voipsec/firmware.h>
#include <voipsec/scan.h>

#endif
