# The addon built with ThreadSanitizer, into
# native/sanitize-thread/build/ so that it never replaces the optimised build.
# Used by scripts/test-tsan.sh (npm run test:tsan).
{
  "targets": [
    {
      "target_name": "griddle",
      "includes": ["../sources.gypi"],
      "include_dirs": ["..", "<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED", "GRIDDLE_SANITIZE_THREAD=1"],
      "cflags!": ["-fno-exceptions", "-O2", "-O3"],
      "cflags_cc!": ["-fno-exceptions", "-O2", "-O3"],
      "cflags_cc": ["-std=c++17", "-O1", "-g", "-fno-omit-frame-pointer", "-fno-exceptions",
                    "-fsanitize=thread"],
      "ldflags": ["-fsanitize=thread"]
    }
  ]
}
