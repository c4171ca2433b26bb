# The addon built with AddressSanitizer and UndefinedBehaviorSanitizer, into
# native/sanitize/build/ so that it never replaces the optimised build.
# Used by scripts/test-native.sh (npm run test:native).
{
  "targets": [
    {
      "target_name": "griddle",
      "includes": ["../sources.gypi"],
      "include_dirs": ["..", "<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED", "GRIDDLE_SANITIZE=1"],
      "cflags!": ["-fno-exceptions", "-O2", "-O3"],
      "cflags_cc!": ["-fno-exceptions", "-O2", "-O3"],
      "cflags_cc": ["-std=c++17", "-O1", "-g", "-fno-omit-frame-pointer", "-fno-exceptions",
                    "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined"],
      "ldflags": ["-fsanitize=address,undefined"]
    }
  ]
}
