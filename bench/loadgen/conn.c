/*
 * One keep-alive HTTP/1.1 connection: non-blocking connect, sending
 * preformatted requests, and an incremental response parser that needs
 * Content-Length (every server benchmarked here sends it; chunked bodies are
 * counted as parse errors rather than guessed at).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/tcp.h>
#include "loadgen.h"

static void watch(Gen *g, Conn *c, uint32_t events, int op) {
  struct epoll_event ev = { .events = events, .data.ptr = c };
  epoll_ctl(g->epfd, op, c->fd, &ev);
}

int connOpen(Gen *g, Conn *c) {
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) return -1;
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->head = c->inflight = 0;
  c->rlen = 0;
  c->inBody = c->closeAfter = 0;
  c->wleft = 0;
  if (connect(c->fd, (struct sockaddr *)&g->addr, sizeof g->addr) < 0 && errno != EINPROGRESS) {
    close(c->fd);
    c->fd = -1;
    return -1;
  }
  c->state = CONN_CONNECTING;
  watch(g, c, EPOLLIN | EPOLLOUT, EPOLL_CTL_ADD);
  return 0;
}

/* Requests still in flight on a dropped connection are lost: count them. */
void connClose(Gen *g, Conn *c, uint64_t *errorCounter) {
  (void)g;
  if (c->fd >= 0) close(c->fd); /* close() also removes it from epoll */
  c->fd = -1;
  c->state = CONN_CLOSED;
  if (errorCounter) *errorCounter += (uint64_t)c->inflight;
  c->inflight = 0;
}

int connFree(const Gen *g, const Conn *c) {
  return c->state == CONN_READY && c->wleft == 0 && c->inflight < g->pipeline;
}

static void flush(Gen *g, Conn *c) {
  while (c->wleft > 0) {
    ssize_t n = write(c->fd, c->wptr, c->wleft);
    if (n < 0) {
      if (errno == EAGAIN) { watch(g, c, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD); return; }
      if (errno == EINTR) continue;
      connClose(g, c, &g->err.read);
      return;
    }
    c->wptr += n;
    c->wleft -= (size_t)n;
  }
}

void connSend(Gen *g, Conn *c, uint64_t k) {
  size_t i = (size_t)(k % g->nrequests);
  c->due[(c->head + c->inflight) % MAX_PIPELINE] = dueAt(g, k);
  c->inflight++;
  g->sent++;
  c->wptr = g->requests[i];
  c->wleft = g->requestLens[i];
  flush(g, c);
}

void connWritable(Gen *g, Conn *c) {
  if (c->state == CONN_CONNECTING) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) { g->err.connect++; connClose(g, c, NULL); return; }
    c->state = CONN_READY;
    watch(g, c, EPOLLIN, EPOLL_CTL_MOD);
    return;
  }
  flush(g, c);
  if (c->state == CONN_READY && c->wleft == 0) watch(g, c, EPOLLIN, EPOLL_CTL_MOD);
}

static int headerIs(const char *line, size_t len, const char *name, size_t nlen) {
  return len > nlen && line[nlen] == ':' && strncasecmp(line, name, nlen) == 0;
}

/* Parses a complete header block; returns 0 or -1 when it cannot be framed. */
static int parseHead(Conn *c, const char *p, size_t len) {
  if (len < 12 || memcmp(p, "HTTP/1.", 7) != 0) return -1;
  c->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
  int haveLength = 0;
  c->bodyLeft = 0;
  c->closeAfter = 0;
  const char *end = p + len;
  for (const char *line = memchr(p, '\n', len); line && line + 1 < end;) {
    line++;
    const char *eol = memchr(line, '\r', (size_t)(end - line));
    if (!eol) break;
    size_t n = (size_t)(eol - line);
    if (headerIs(line, n, "content-length", 14)) {
      c->bodyLeft = strtoull(line + 15, NULL, 10);
      haveLength = 1;
    } else if (headerIs(line, n, "connection", 10)) {
      c->closeAfter = memmem(line, n, "close", 5) != NULL;
    } else if (headerIs(line, n, "transfer-encoding", 17)) {
      return -1;
    }
    line = memchr(eol, '\n', (size_t)(end - eol));
  }
  if (!haveLength && c->status != 204 && c->status != 304) return -1;
  return 0;
}

static void complete(Gen *g, Conn *c) {
  uint64_t now = nowNs();
  uint64_t due = c->due[c->head];
  c->head = (c->head + 1) % MAX_PIPELINE;
  c->inflight--;
  uint64_t latency = now > due ? now - due : 0;
  histRecord(&g->all, latency);
  int s = c->status;
  if (s >= 200 && s < 300) {
    g->st.s2xx++;
    histRecord(&g->ok, latency);
    if (due >= g->t0 + (uint64_t)(g->settle * 1e9)) histRecord(&g->settled, latency);
  }
  else if (s < 400) g->st.s3xx++;
  else if (s < 500) g->st.s4xx++;
  else if (s == 503) g->st.s503++;
  else g->st.s5xxOther++;
  g->completed++;
  g->lastDone = now;
}

/* Consumes every whole response in rbuf; returns -1 on a framing error. */
static int parseBuffered(Gen *g, Conn *c) {
  size_t pos = 0;
  while (pos < c->rlen || (c->inBody && c->bodyLeft == 0)) {
    if (!c->inBody) {
      char *hend = memmem(c->rbuf + pos, c->rlen - pos, "\r\n\r\n", 4);
      if (!hend) break;
      size_t hlen = (size_t)(hend - (c->rbuf + pos)) + 4;
      if (c->inflight == 0 || parseHead(c, c->rbuf + pos, hlen) < 0) return -1;
      pos += hlen;
      c->inBody = 1;
    }
    size_t avail = c->rlen - pos;
    size_t take = c->bodyLeft < avail ? (size_t)c->bodyLeft : avail;
    pos += take;
    c->bodyLeft -= take;
    if (c->bodyLeft > 0) break;
    c->inBody = 0;
    complete(g, c);
    if (c->closeAfter) { connClose(g, c, &g->err.closed); return 1; }
    onResponse(g, c, g->lastDone);
    if (c->state != CONN_READY) return 1;
  }
  memmove(c->rbuf, c->rbuf + pos, c->rlen - pos);
  c->rlen -= pos;
  if (c->rlen == RBUF_SIZE) return -1; /* a header block larger than the buffer */
  return 0;
}

void connReadable(Gen *g, Conn *c) {
  for (;;) {
    size_t room = RBUF_SIZE - c->rlen;
    ssize_t n = read(c->fd, c->rbuf + c->rlen, room);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) { connClose(g, c, n == 0 ? &g->err.closed : &g->err.read); return; }
    c->rlen += (size_t)n;
    int r = parseBuffered(g, c);
    if (r < 0) {
      if (c->inflight == 0) g->err.parse++; /* a response nobody asked for */
      connClose(g, c, &g->err.parse);
      return;
    }
    if (r > 0) return; /* the connection was closed while parsing */
    if ((size_t)n < room) return; /* short read: the socket is drained */
  }
}
