/*
 * loadgen: an open-loop HTTP/1.1 load generator.
 *
 * Request k is due at t0 + k / rate, whatever happened to earlier requests.
 * N keep-alive connections each carry at most `pipeline` requests in flight;
 * a free connection sends the next due request at once, and when none is free
 * due requests wait. Latency is measured from the intended send time, not the
 * actual one, so a stalled server is charged for the requests it kept waiting
 * (coordinated omission corrected). Prints one JSON object on stdout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include "loadgen.h"

int loadPaths(Gen *g, const char *file, const char *host, int port);
void report(Gen *g, double elapsed, double cpuUser, double cpuSys);

uint64_t nowNs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t dueAt(const Gen *g, uint64_t k) {
  return g->t0 + (uint64_t)((double)k * 1e9 / g->rate);
}

static void usage(const char *why) {
  fprintf(stderr,
          "loadgen: %s\n"
          "usage: loadgen --port N --rate R [--host 127.0.0.1] [--duration S=10]\n"
          "               [--connections C=64] [--pipeline P=1 (max %d)] [--paths FILE]\n"
          "               [--drain S=5] [--settle S=0]\n"
          "  FILE lists one request path per line; requests cycle through it (default \"/\").\n"
          "  --settle S: 2xx answers to requests due in the first S seconds are left out of\n"
          "  latency_2xx_settled_us (an overload's onset, apart from its steady state).\n",
          why, MAX_PIPELINE);
  exit(2);
}

static double positive(const char *name, const char *v, double max) {
  char *end;
  double d = strtod(v, &end);
  if (*v == '\0' || *end != '\0' || !(d > 0) || d > max) {
    char msg[128];
    snprintf(msg, sizeof msg, "--%s must be a number in (0, %g], got \"%s\"", name, max, v);
    usage(msg);
  }
  return d;
}

static const char *parseArgs(Gen *g, int argc, char **argv, const char **host, int *port) {
  static const struct option opts[] = {
    { "host", 1, 0, 'h' }, { "port", 1, 0, 'p' }, { "rate", 1, 0, 'r' },
    { "duration", 1, 0, 'd' }, { "connections", 1, 0, 'c' }, { "pipeline", 1, 0, 'P' },
    { "paths", 1, 0, 'f' }, { "drain", 1, 0, 'D' }, { "settle", 1, 0, 's' }, { "help", 0, 0, '?' }, { 0, 0, 0, 0 },
  };
  const char *paths = NULL;
  int o;
  while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (o) {
      case 'h': *host = optarg; break;
      case 'p': *port = (int)positive("port", optarg, 65535); break;
      case 'r': g->rate = positive("rate", optarg, 1e7); break;
      case 'd': g->duration = positive("duration", optarg, 3600); break;
      case 'c': g->connections = (int)positive("connections", optarg, 10000); break;
      case 'P': g->pipeline = (int)positive("pipeline", optarg, MAX_PIPELINE); break;
      case 'f': paths = optarg; break;
      case 'D': g->drain = positive("drain", optarg, 600); break;
      case 's': g->settle = positive("settle", optarg, 3600); break;
      default: usage("unknown option");
    }
  }
  if (optind < argc) usage("unexpected argument");
  if (*port == 0) usage("--port is required");
  if (g->rate == 0) usage("--rate is required");
  if (g->settle >= g->duration) usage("--settle must be shorter than --duration");
  g->addr.sin_family = AF_INET;
  g->addr.sin_port = htons((uint16_t)*port);
  if (inet_pton(AF_INET, *host, &g->addr.sin_addr) != 1) usage("--host must be an IPv4 address");
  return paths;
}

/* Sends due requests on c while it has room. */
static void fill(Gen *g, Conn *c, uint64_t now) {
  while (g->next < g->total && connFree(g, c) && dueAt(g, g->next) <= now) connSend(g, c, g->next++);
}

void onResponse(Gen *g, Conn *c, uint64_t now) {
  fill(g, c, now);
}

/* One due request per free connection per pass, so pipelined load spreads out.
 * Returns whether some connection is still free (then waking at the next due time is worth it). */
static int dispatchAll(Gen *g, uint64_t now) {
  int anyFree = 1;
  while (g->next < g->total && dueAt(g, g->next) <= now && anyFree) {
    anyFree = 0;
    for (int i = 0; i < g->connections && g->next < g->total && dueAt(g, g->next) <= now; i++) {
      if (connFree(g, &g->conns[i])) { connSend(g, &g->conns[i], g->next++); anyFree = 1; }
    }
  }
  for (int i = 0; i < g->connections; i++) if (connFree(g, &g->conns[i])) return 1;
  return 0;
}

/*
 * Waits for socket events until `until` (ns). epoll_pwait2 (Linux 5.11+) takes a
 * nanosecond timeout, so a due request needs no timer fd and no extra syscalls;
 * on older kernels the millisecond epoll_wait is used, rounding down (it spins
 * in the last millisecond rather than sending late).
 */
static int waitEvents(Gen *g, struct epoll_event *evs, int max, uint64_t now, uint64_t until) {
  static int noPwait2;
  uint64_t rel = until > now ? until - now : 0;
  if (!noPwait2) {
    struct timespec ts = { (time_t)(rel / 1000000000u), (long)(rel % 1000000000u) };
    int n = epoll_pwait2(g->epfd, evs, max, &ts, NULL);
    if (n >= 0 || errno != ENOSYS) return n;
    noPwait2 = 1;
  }
  return epoll_wait(g->epfd, evs, max, (int)(rel / 1000000u));
}

/* Closed connections are reopened, within a budget so a dead server ends the run. */
static int reopen(Gen *g) {
  int alive = 0;
  for (int i = 0; i < g->connections; i++) {
    Conn *c = &g->conns[i];
    if (c->state == CONN_CLOSED && g->reconnects < 10u * (uint64_t)g->connections) {
      g->reconnects++;
      if (connOpen(g, c) < 0) g->err.connect++;
    }
    alive += c->state != CONN_CLOSED;
  }
  return alive;
}

static int inflight(const Gen *g) {
  int n = 0;
  for (int i = 0; i < g->connections; i++) n += g->conns[i].inflight;
  return n;
}

static void handle(Gen *g, struct epoll_event *ev) {
  Conn *c = ev->data.ptr;
  if (c->state == CONN_CONNECTING || (ev->events & EPOLLOUT)) connWritable(g, c);
  if (c->state == CONN_READY && (ev->events & (EPOLLIN | EPOLLERR | EPOLLHUP))) connReadable(g, c);
}

/* Opens every connection and waits (up to 2 s) until each is up or failed. */
static int connectAll(Gen *g) {
  for (int i = 0; i < g->connections; i++) {
    g->conns[i].fd = -1;
    if (connOpen(g, &g->conns[i]) < 0) g->err.connect++;
  }
  uint64_t deadline = nowNs() + 2000000000u;
  struct epoll_event evs[256];
  for (;;) {
    int pending = 0, ready = 0;
    for (int i = 0; i < g->connections; i++) {
      pending += g->conns[i].state == CONN_CONNECTING;
      ready += g->conns[i].state == CONN_READY;
    }
    if (pending == 0 || nowNs() > deadline) return ready;
    int n = epoll_wait(g->epfd, evs, 256, 100);
    for (int i = 0; i < n; i++) connWritable(g, evs[i].data.ptr);
  }
}

static void run(Gen *g) {
  struct epoll_event evs[256];
  uint64_t end = g->t0 + (uint64_t)((g->duration + g->drain) * 1e9);
  for (;;) {
    uint64_t now = nowNs();
    int anyFree = dispatchAll(g, now);
    if (g->next >= g->total && inflight(g) == 0) return;
    if (now >= end || reopen(g) == 0) return;
    uint64_t until = g->next < g->total && anyFree ? dueAt(g, g->next) : end;
    int n = waitEvents(g, evs, 256, now, until);
    if (n < 0 && errno != EINTR) { perror("epoll_wait"); return; }
    for (int i = 0; i < n; i++) handle(g, &evs[i]);
  }
}

int main(int argc, char **argv) {
  static Gen gen;
  Gen *g = &gen;
  const char *host = "127.0.0.1";
  int port = 0;
  g->duration = 10;
  g->drain = 5;
  g->connections = 64;
  g->pipeline = 1;
  const char *paths = parseArgs(g, argc, argv, &host, &port);
  if (loadPaths(g, paths, host, port) < 0) return 2;
  /* the default 50 µs timer slack would delay wake-ups, so sends, and show up as latency */
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  g->epfd = epoll_create1(EPOLL_CLOEXEC);
  g->conns = calloc((size_t)g->connections, sizeof(Conn));
  if (!g->conns) { perror("calloc"); return 1; }
  if (connectAll(g) == 0) {
    fprintf(stderr, "loadgen: could not connect to %s:%d\n", host, port);
    return 1;
  }
  struct rusage r0, r1;
  getrusage(RUSAGE_SELF, &r0);
  g->total = (uint64_t)(g->rate * g->duration + 0.5);
  g->t0 = nowNs();
  run(g);
  uint64_t stop = nowNs();
  getrusage(RUSAGE_SELF, &r1);
  g->err.timeout = (uint64_t)inflight(g);
  double user = (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) + (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1e6;
  double sys = (double)(r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) + (double)(r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
  report(g, (double)(stop - g->t0) / 1e9, user, sys);
  return g->completed > 0 ? 0 : 1; /* nothing answered: the run measured nothing */
}
