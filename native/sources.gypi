# The addon's translation units, shared by binding.gyp and the sanitizer build
# (native/sanitize/binding.gyp). Paths are relative to this file.
{
  "sources": [
    "addon.cc",
    "bucket.cc",
    "cache.cc",
    "cache-shard.cc",
    "cache-store.cc",
    "dispatch.cc",
    "dispatch-cache.cc",
    "dispatch-setup.cc",
    "dispatch-key.cc",
    "flags.cc",
    "flags-eval.cc",
    "flags-route.cc",
    "flags-store.cc",
    "noop-baseline.cc",
    "release.cc",
    "reuseport.cc",
    "router-build.cc",
    "router-match.cc",
    "router.cc",
    "stats.cc",
    "stats-read.cc",
    "snapshot.cc",
    "snapshot-check.cc",
    "util/boundary.cc",
    "util/url.cc"
  ]
}
