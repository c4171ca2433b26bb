// SO_REUSEPORT steering (docs/deploy.md, "The SO_REUSEPORT accept-queue
// trap"): lists this process's listening TCP sockets on a port, attaches to
// their group a classic BPF program that picks the socket for each new
// connection by its slot in the group's socket array, and reads a listener's
// accept queue. None of it needs privilege. Linux only; elsewhere every call
// throws GRIDDLE_ERR_REUSEPORT. lib/workers/reuseport.ts is the TypeScript twin.
#pragma once

#include <node_api.h>

#include <cstdint>

namespace griddle {
namespace reuseport {

// The most slots one program chooses among: each costs two of the 4,096
// instructions a classic BPF program may have (BPF_MAXINSNS).
constexpr int32_t MAX_SLOTS = 1024;

bool initReuseport(napi_env env, napi_value exports);

}  // namespace reuseport
}  // namespace griddle
