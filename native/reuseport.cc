#include "reuseport.h"

#include <string>
#include <vector>

#include "util/boundary.h"

#if defined(__linux__)
#include <dirent.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdlib>
#endif

namespace griddle {
namespace reuseport {

static const char* CODE = "GRIDDLE_ERR_REUSEPORT";

#if defined(__linux__)

#ifndef SO_ATTACH_REUSEPORT_CBPF
#define SO_ATTACH_REUSEPORT_CBPF 51
#endif
#ifndef SO_DETACH_REUSEPORT_BPF
#define SO_DETACH_REUSEPORT_BPF 68
#endif
// TCP_LISTEN of include/net/tcp_states.h, as TCP_INFO reports it in tcpi_state.
constexpr uint8_t STATE_LISTEN = 10;

static napi_value failErrno(napi_env env, const char* what, int32_t fd, int err) {
  char buf[128];
  std::string m = std::string(what) + " on fd " + std::to_string(fd) + ": " + strerror_r(err, buf, sizeof buf);
  return throwError(env, CODE, m.c_str());
}

static int intOption(int fd, int level, int name) {
  int v = 0;
  socklen_t len = sizeof v;
  return getsockopt(fd, level, name, &v, &len) == 0 ? v : -1;
}

// The local port of a listening SO_REUSEPORT TCP socket, or -1 for any other fd.
static int listenerPort(int fd) {
  if (intOption(fd, SOL_SOCKET, SO_ACCEPTCONN) != 1 || intOption(fd, SOL_SOCKET, SO_PROTOCOL) != IPPROTO_TCP ||
      intOption(fd, SOL_SOCKET, SO_REUSEPORT) != 1)
    return -1;
  sockaddr_storage a;
  socklen_t len = sizeof a;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return -1;
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&a)->sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&a)->sin6_port);
  return -1;
}

struct Listener {
  int fd;
  ino_t inode;
};

// Every fd of this process that is a listening SO_REUSEPORT TCP socket on
// `port`; 0, or the errno of opening /proc/self/fd.
static int findListeners(int port, std::vector<Listener>* out) {
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return errno;
  int own = dirfd(d);
  while (dirent* e = readdir(d)) {
    char* end = nullptr;
    long fd = strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd == own) continue;
    struct stat st;
    // The inode names the socket itself: a number closed and reused since is another socket.
    if (fstat(static_cast<int>(fd), &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    if (listenerPort(static_cast<int>(fd)) == port) out->push_back({static_cast<int>(fd), st.st_ino});
  }
  closedir(d);
  return 0;
}

// True when fd is still the socket listed with this inode; throws otherwise.
static bool sameSocket(napi_env env, int32_t fd, double inode) {
  struct stat st;
  if (fstat(fd, &st) != 0) {
    failErrno(env, "fstat", fd, errno);
    return false;
  }
  if (!S_ISSOCK(st.st_mode) || static_cast<double>(st.st_ino) != inode) {
    std::string m = "fd " + std::to_string(fd) + " is no longer the socket with inode " +
                    std::to_string(static_cast<uint64_t>(inode)) + " (closed, or its number reused)";
    throwError(env, CODE, m.c_str());
    return false;
  }
  return true;
}

// Reads the (fd, inode) pair every call but the listing starts with.
static bool socketArgs(napi_env env, napi_value* argv, int32_t* fd, double* inode) {
  if (!argInt32(env, argv[0], "fd", fd) || !argDouble(env, argv[1], "inode", inode)) return false;
  if (*fd < 0 || *inode < 0) {
    throwType(env, "GRIDDLE_ERR_INVALID_ARG", "fd and inode must not be negative");
    return false;
  }
  return sameSocket(env, *fd, *inode);
}

// (port) -> number[]: [fd, inode, fd, inode, ...] of this process's listening
// SO_REUSEPORT TCP sockets bound to port, in fd order of /proc/self/fd.
static napi_value JS_reuseportListeners(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(1);
  int32_t port;
  if (!argInt32(env, argv[0], "port", &port)) return nullptr;
  if (port < 1 || port > 65535) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "port must be from 1 to 65535");
  std::vector<Listener> found;
  if (int err = findListeners(port, &found)) return failErrno(env, "opendir /proc/self/fd", -1, err);
  napi_value arr, v;
  napi_create_array_with_length(env, found.size() * 2, &arr);
  for (size_t i = 0; i < found.size(); i++) {
    napi_create_int32(env, found[i].fd, &v);
    napi_set_element(env, arr, static_cast<uint32_t>(2 * i), v);
    napi_create_double(env, static_cast<double>(found[i].inode), &v);
    napi_set_element(env, arr, static_cast<uint32_t>(2 * i + 1), v);
  }
  return arr;
}

// A = random; A %= n; then A == 0 ? slot 0 : A == 1 ? slot 1 : ... The kernel
// reads the result as an index into the group's socket array; one out of range
// would send the connection to its own hash, which is what steering avoids.
static std::vector<sock_filter> program(const int32_t* slots, size_t n) {
  std::vector<sock_filter> p;
  if (n > 1) {
    p.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, static_cast<uint32_t>(SKF_AD_OFF + SKF_AD_RANDOM)));
    p.push_back(BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, static_cast<uint32_t>(n)));
    for (size_t i = 0; i + 1 < n; i++) {
      p.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(i), 0, 1));
      p.push_back(BPF_STMT(BPF_RET | BPF_K, static_cast<uint32_t>(slots[i])));
    }
  }
  p.push_back(BPF_STMT(BPF_RET | BPF_K, static_cast<uint32_t>(slots[n - 1])));
  return p;
}

// (fd, inode, slots: Int32Array, size) -> undefined. Attaches to the SO_REUSEPORT
// group of fd a program that sends each new connection to one of `slots`
// (indexes into the group's array, each below `size`, its length), chosen
// uniformly at random; it replaces the group's program, if any, atomically.
static napi_value JS_reuseportSteer(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(4);
  int32_t fd, size;
  double inode;
  void* data;
  size_t n;
  if (!argTypedArray(env, argv[2], "slots", napi_int32_array, &data, &n) || !argInt32(env, argv[3], "size", &size)) return nullptr;
  const int32_t* slots = static_cast<const int32_t*>(data);
  if (n == 0 || n > static_cast<size_t>(MAX_SLOTS)) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "slots must hold 1 to MAX_SLOTS indexes");
  for (size_t i = 0; i < n; i++) {
    if (slots[i] < 0 || slots[i] >= size) return throwType(env, "GRIDDLE_ERR_INVALID_ARG", "every slot must be from 0 to size - 1");
  }
  if (!socketArgs(env, argv, &fd, &inode)) return nullptr;
  std::vector<sock_filter> p = program(slots, n);
  sock_fprog prog{static_cast<unsigned short>(p.size()), p.data()};
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof prog) != 0)
    return failErrno(env, "setsockopt(SO_ATTACH_REUSEPORT_CBPF)", fd, errno);
  return nullptr;
}

// (fd, inode) -> boolean. Removes the program of fd's SO_REUSEPORT group (the
// kernel's hash picks again); false when it had none.
static napi_value JS_reuseportUnsteer(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  int32_t fd;
  double inode;
  if (!socketArgs(env, argv, &fd, &inode)) return nullptr;
  int unused = 0;
  bool had = setsockopt(fd, SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, &unused, sizeof unused) == 0;
  if (!had && errno != ENOENT) return failErrno(env, "setsockopt(SO_DETACH_REUSEPORT_BPF)", fd, errno);
  napi_value v;
  napi_get_boolean(env, had, &v);
  return v;
}

// (fd, inode) -> int. The connections waiting in the listener's accept queue:
// for a listening socket TCP_INFO's tcpi_unacked is the kernel's sk_ack_backlog.
static napi_value JS_reuseportAcceptQueue(napi_env env, napi_callback_info info) {
  GRIDDLE_ARGS(2);
  int32_t fd;
  double inode;
  if (!socketArgs(env, argv, &fd, &inode)) return nullptr;
  tcp_info ti{};
  socklen_t len = sizeof ti;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0) return failErrno(env, "getsockopt(TCP_INFO)", fd, errno);
  if (ti.tcpi_state != STATE_LISTEN) {
    std::string m = "fd " + std::to_string(fd) + " is not a listening TCP socket";
    return throwError(env, CODE, m.c_str());
  }
  napi_value v;
  napi_create_int32(env, static_cast<int32_t>(ti.tcpi_unacked), &v);
  return v;
}

#else

static napi_value JS_unsupported(napi_env env, napi_callback_info info) {
  return throwError(env, CODE, "SO_REUSEPORT steering is Linux only");
}
#define JS_reuseportListeners JS_unsupported
#define JS_reuseportSteer JS_unsupported
#define JS_reuseportUnsteer JS_unsupported
#define JS_reuseportAcceptQueue JS_unsupported

#endif

bool initReuseport(napi_env env, napi_value exports) {
  GRIDDLE_EXPORT(env, exports, "reuseportListeners", JS_reuseportListeners);
  GRIDDLE_EXPORT(env, exports, "reuseportSteer", JS_reuseportSteer);
  GRIDDLE_EXPORT(env, exports, "reuseportUnsteer", JS_reuseportUnsteer);
  GRIDDLE_EXPORT(env, exports, "reuseportAcceptQueue", JS_reuseportAcceptQueue);
  napi_value l = exportObject(env, exports, "REUSEPORT");
  if (l == nullptr) return false;
  exportInt(env, l, "MAX_SLOTS", MAX_SLOTS);
  return true;
}

}  // namespace reuseport
}  // namespace griddle
