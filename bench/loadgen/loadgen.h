/* Shared state of the open-loop load generator (see loadgen.c for the model). */
#ifndef LOADGEN_H
#define LOADGEN_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "hist.h"

#define MAX_PIPELINE 16
#define RBUF_SIZE 65536

enum ConnState { CONN_CLOSED, CONN_CONNECTING, CONN_READY };

typedef struct {
  int fd;
  enum ConnState state;
  /* intended send times (ns) of the requests in flight, oldest first */
  uint64_t due[MAX_PIPELINE];
  int head, inflight;
  /* response parsing: bytes buffered, and the body still owed by the server */
  char rbuf[RBUF_SIZE];
  size_t rlen;
  int inBody, closeAfter, status;
  uint64_t bodyLeft;
  /* the unsent tail of the last request, when a write was partial */
  const char *wptr;
  size_t wleft;
} Conn;

typedef struct {
  uint64_t connect, read, parse, timeout, closed;
} Errors;

typedef struct {
  uint64_t s2xx, s3xx, s4xx, s503, s5xxOther;
} Statuses;

typedef struct {
  /* options */
  struct sockaddr_in addr;
  double rate, duration, drain;
  /* seconds at the start whose requests count in `all` and `ok` but not in `settled` */
  double settle;
  int connections, pipeline;
  /* requests: one preformatted GET per path, cycled */
  char **requests;
  size_t *requestLens;
  size_t nrequests;
  /* run state */
  int epfd;
  Conn *conns;
  uint64_t t0, total, next, sent, completed, lastDone, reconnects;
  Errors err;
  Statuses st;
  Hist all, ok, settled;
} Gen;

uint64_t nowNs(void);
/* Intended send time of request k: t0 + k / rate, in ns. */
uint64_t dueAt(const Gen *g, uint64_t k);

/* conn.c */
int connOpen(Gen *g, Conn *c);
void connClose(Gen *g, Conn *c, uint64_t *errorCounter);
int connFree(const Gen *g, const Conn *c);
void connSend(Gen *g, Conn *c, uint64_t k);
void connWritable(Gen *g, Conn *c);
void connReadable(Gen *g, Conn *c);
/* Called by conn.c when a response completes; decides what to send next. */
void onResponse(Gen *g, Conn *c, uint64_t now);

#endif
