{
  "targets": [
    {
      "target_name": "griddle",
      "includes": ["native/sources.gypi"],
      "include_dirs": ["native", "<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-O2"],
      "cflags_cc": ["-std=c++17", "-O3", "-flto", "-fno-exceptions", "-fvisibility=hidden", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "ldflags": ["-flto=auto", "-O3"],
      "configurations": {
        "Debug": {
          "cflags_cc": ["-O0", "-g"],
          "defines": ["GRIDDLE_DEBUG=1"]
        }
      }
    }
  ]
}
