// Build facts and a no-op call: the floor every micro benchmark is measured against.
#pragma once

#include <node_api.h>

namespace griddle {
bool initProbe(napi_env env, napi_value exports);
}
