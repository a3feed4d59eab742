/* SPDX-License-Identifier: MIT */
#pragma once

/* Log capture (log-capture.c): the writer thread and one stream per service. */

#include "common/macro.h"
#include "supervisor/svcd/record.h"

int log_writer_new(sd_event *event, struct log_writer **ret);
void log_writer_free(struct log_writer *w);
int log_stream_new(struct log_writer *w, const char *dir, gid_t group, struct log_stream **ret);
void log_stream_configure(struct log_stream *ls, uint64_t rotate_size, unsigned rotate_count);
/* Hands the stream to the writer, which flushes and frees it. */
void log_stream_close(struct log_stream *ls);
/* Appends raw service output, timestamped per line. Returns false when the stream's buffer is
 * full: the caller stops reading until the resume callback runs. */
bool log_stream_feed(struct log_stream *ls, const char *data, size_t len);
/* Writes a pending partial line as an entry of its own (the service ended). */
void log_stream_flush_partial(struct log_stream *ls);
void log_stream_set_resume(struct log_stream *ls, void (*resume)(void *userdata), void *userdata);
/* Appends a line written by svcd itself about the service ("started", "exited ..."). */
void log_stream_note(struct log_stream *ls, const char *fmt, ...) _printf_(2, 3);
