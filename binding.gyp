# The addon is plain Node-API C (node_api.h): nothing includes node-addon-api's
# napi.h, so it is neither a dependency nor an include path (docs/native.md).
# Exceptions are off with -fno-exceptions.
{
  "targets": [
    {
      "target_name": "griddle",
      "includes": ["native/sources.gypi"],
      "include_dirs": ["native"],
      "defines": ["NAPI_VERSION=8"],
      "cflags!": ["-fno-exceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-O2"],
      "cflags_cc": ["-std=c++17", "-O3", "-flto", "-fno-exceptions", "-fvisibility=hidden", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "ldflags": ["-flto=auto", "-O3"],
      "configurations": {
        "Debug": {
          "cflags_cc": ["-O0", "-g"]
        }
      }
    }
  ]
}
