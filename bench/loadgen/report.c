/* Input (the path list, preformatted as requests) and output (one JSON object). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "loadgen.h"

static int addRequest(Gen *g, const char *path, const char *host, int port) {
  char *req = NULL;
  int n = asprintf(&req, "GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n", path, host, port);
  if (n < 0) return -1;
  g->requests = realloc(g->requests, (g->nrequests + 1) * sizeof(char *));
  g->requestLens = realloc(g->requestLens, (g->nrequests + 1) * sizeof(size_t));
  g->requests[g->nrequests] = req;
  g->requestLens[g->nrequests] = (size_t)n;
  g->nrequests++;
  return 0;
}

int loadPaths(Gen *g, const char *file, const char *host, int port) {
  if (!file) return addRequest(g, "/", host, port);
  FILE *f = fopen(file, "r");
  if (!f) { fprintf(stderr, "loadgen: cannot read --paths %s\n", file); return -1; }
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  while ((len = getline(&line, &cap, f)) > 0) {
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
    if (len == 0) continue;
    if (line[0] != '/') {
      fprintf(stderr, "loadgen: paths must start with '/': \"%s\"\n", line);
      fclose(f);
      return -1;
    }
    addRequest(g, line, host, port);
  }
  free(line);
  fclose(f);
  if (g->nrequests == 0) { fprintf(stderr, "loadgen: %s lists no paths\n", file); return -1; }
  return 0;
}

static void latency(const char *name, const Hist *h) {
  printf("\"%s\":{\"count\":%llu,\"mean\":%.1f,\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"p99_9\":%.1f,\"max\":%.1f}",
         name, (unsigned long long)h->total, histMean(h) / 1e3, histPercentile(h, 50) / 1e3,
         histPercentile(h, 90) / 1e3, histPercentile(h, 99) / 1e3, histPercentile(h, 99.9) / 1e3,
         (double)h->max / 1e3);
}

void report(Gen *g, double elapsed, double cpuUser, double cpuSys) {
  const Errors *e = &g->err;
  const Statuses *s = &g->st;
  unsigned long long errors = e->connect + e->read + e->parse + e->timeout + e->closed;
  /* goodput over the schedule, or over the longer time it took to answer */
  double span = (double)(g->lastDone > g->t0 ? g->lastDone - g->t0 : 0) / 1e9;
  if (span < g->duration) span = g->duration;
  printf("{\"rate\":%.0f,\"duration_s\":%.3f,\"connections\":%d,\"pipeline\":%d,", g->rate, g->duration,
         g->connections, g->pipeline);
  printf("\"scheduled\":%llu,\"sent\":%llu,\"unsent\":%llu,\"completed\":%llu,\"achieved_rps\":%.1f,\"elapsed_s\":%.3f,",
         (unsigned long long)g->total, (unsigned long long)g->sent, (unsigned long long)(g->total - g->sent),
         (unsigned long long)g->completed, (double)g->completed / span, elapsed);
  printf("\"errors\":%llu,\"error_kinds\":{\"connect\":%llu,\"read\":%llu,\"parse\":%llu,\"closed\":%llu,\"timeout\":%llu},",
         errors, (unsigned long long)e->connect, (unsigned long long)e->read, (unsigned long long)e->parse,
         (unsigned long long)e->closed, (unsigned long long)e->timeout);
  printf("\"non2xx\":%llu,\"status\":{\"2xx\":%llu,\"3xx\":%llu,\"4xx\":%llu,\"503\":%llu,\"5xx_other\":%llu},",
         (unsigned long long)(g->completed - s->s2xx), (unsigned long long)s->s2xx, (unsigned long long)s->s3xx,
         (unsigned long long)s->s4xx, (unsigned long long)s->s503, (unsigned long long)s->s5xxOther);
  latency("latency_us", &g->all);
  putchar(',');
  latency("latency_2xx_us", &g->ok);
  printf(",\"settle_s\":%.3f,", g->settle);
  latency("latency_2xx_settled_us", &g->settled);
  printf(",\"cpu\":{\"user_s\":%.3f,\"sys_s\":%.3f,\"percent_of_core\":%.1f,\"us_per_response\":%.2f}}\n",
         cpuUser, cpuSys, elapsed > 0 ? 100.0 * (cpuUser + cpuSys) / elapsed : 0.0,
         g->completed ? 1e6 * (cpuUser + cpuSys) / (double)g->completed : 0.0);
}
