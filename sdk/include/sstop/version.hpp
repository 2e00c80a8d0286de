#pragma once
/// @file version.hpp
/// ABI version and build key of the sstop plugin SDK.
///
/// The host loads a plugin only when the plugin's ABI major equals the host's, its minor is
/// not newer than the host's, and its build key equals the host's. See `plugin.hpp`.

/// ABI major version: changes when any SDK type or interface changes incompatibly.
#define SSTOP_ABI_MAJOR 1
/// ABI minor version: grows when something is *added* compatibly (a new virtual method at
/// the end of a host-implemented interface, a new optional descriptor field, a new option
/// type). 1.6: SSTOP_OPTION_CHOICE.
#define SSTOP_ABI_MINOR 6

/// Version of the SDK and of the host it ships with.
#define SSTOP_VERSION_STRING "0.1.0"

#define SSTOP_STR_(x) #x
#define SSTOP_STR(x) SSTOP_STR_(x)

#if defined(__clang__)
#define SSTOP_BUILD_COMPILER "clang-" SSTOP_STR(__clang_major__)
#elif defined(__GNUC__)
#define SSTOP_BUILD_COMPILER "gcc-" SSTOP_STR(__GNUC__)
#elif defined(_MSC_VER)
#define SSTOP_BUILD_COMPILER "msvc-" SSTOP_STR(_MSC_VER)
#else
#define SSTOP_BUILD_COMPILER "unknown-compiler"
#endif

// <version> defines the standard library's identification macros without pulling in much.
#include <version>
#if defined(_LIBCPP_VERSION)
#define SSTOP_BUILD_STDLIB "libc++-" SSTOP_STR(_LIBCPP_VERSION)
#elif defined(_GLIBCXX_RELEASE)
#define SSTOP_BUILD_STDLIB "libstdc++-" SSTOP_STR(_GLIBCXX_RELEASE)
#else
#define SSTOP_BUILD_STDLIB "unknown-stdlib"
#endif

#if defined(__x86_64__)
#define SSTOP_BUILD_ARCH "x86_64"
#elif defined(__aarch64__)
#define SSTOP_BUILD_ARCH "aarch64"
#else
#define SSTOP_BUILD_ARCH "other-arch"
#endif

/// The build key: architecture, compiler family and major version, standard library and
/// C++ standard. C++ types only cross the plugin boundary safely when these agree (the same
/// rule Qt's plugin loader applies). A plugin compiled with a different key is refused.
#define SSTOP_BUILD_KEY \
    SSTOP_BUILD_ARCH " " SSTOP_BUILD_COMPILER " " SSTOP_BUILD_STDLIB " c++" SSTOP_STR(__cplusplus)

/// Marks a symbol exported from a plugin or the host despite `-fvisibility=hidden`.
#if defined(_WIN32)
#define SSTOP_EXPORT __declspec(dllexport)
#define SSTOP_VISIBLE
#else
#define SSTOP_EXPORT __attribute__((visibility("default")))
/// Marks an interface or exception class visible, so RTTI matches across libraries
/// (needed for Clang/libc++; harmless with GCC/libstdc++).
#define SSTOP_VISIBLE __attribute__((visibility("default")))
#endif
