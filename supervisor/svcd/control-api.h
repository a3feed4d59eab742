/* SPDX-License-Identifier: MIT */
#pragma once

/* The control protocol shared by svcd and its clients: D-Bus peer-to-peer on
 * ROOT/run/svc/control, one object. */

#define SVC_OBJECT_PATH "/org/svc/manager"
#define SVC_INTERFACE "org.svc.Manager1"

#define SVC_ERROR_NO_SUCH_UNIT "org.svc.Error.NoSuchUnit"
#define SVC_ERROR_BAD_UNIT "org.svc.Error.BadUnit"
#define SVC_ERROR_ACCESS_DENIED "org.svc.Error.AccessDenied"
#define SVC_ERROR_SHUTTING_DOWN "org.svc.Error.ShuttingDown"
#define SVC_ERROR_NOT_RUNNING "org.svc.Error.NotRunning"
#define SVC_ERROR_FAILED "org.svc.Error.Failed"
#define SVC_ERROR_COMMAND_NOT_FOUND "org.svc.Error.CommandNotFound"
