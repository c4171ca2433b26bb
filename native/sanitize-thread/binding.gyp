# The addon built with ThreadSanitizer, into
# native/sanitize-thread/build/ so that it never replaces the optimised build.
# Used by scripts/test-tsan.sh (npm run test:tsan).
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
                    "-fsanitize=thread"],
      "ldflags": ["-fsanitize=thread"]
    }
  ]
}
