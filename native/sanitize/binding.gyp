# The addon built with AddressSanitizer and UndefinedBehaviorSanitizer, into
# native/sanitize/build/ so that it never replaces the optimised build.
# Used by scripts/test-native.sh (npm run test:native).
{
  "targets": [
    {
      "target_name": "griddle",
      "includes": ["../sources.gypi"],
      "include_dirs": [".."],
      "defines": ["NAPI_VERSION=8"],
      "cflags!": ["-fno-exceptions", "-O2", "-O3"],
      "cflags_cc!": ["-fno-exceptions", "-O2", "-O3"],
      "cflags_cc": ["-std=c++17", "-O1", "-g", "-fno-omit-frame-pointer", "-fno-exceptions",
                    "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined"],
      "ldflags": ["-fsanitize=address,undefined"]
    }
  ]
}
