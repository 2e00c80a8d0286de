#pragma once
/// @file abi_check.hpp
/// Pins the size and layout of every type that crosses the plugin boundary, for the
/// reference platform (x86_64, LP64, libstdc++). An accidental change to an SDK struct then
/// fails the build here, instead of crashing a user's plugin: if you change a type on
/// purpose, bump SSTOP_ABI_MAJOR and update these numbers.

#include <cstddef>
#include <sstop/model.hpp>
#include <sstop/options.hpp>
#include <sstop/plugin.hpp>
#include <sstop/source.hpp>
#include <sstop/view.hpp>

#if defined(__x86_64__) && defined(__GLIBCXX__) && SSTOP_ABI_MAJOR == 1
static_assert(sizeof(sstop::IpAddr) == 17, "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::Endpoint) == 20, "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::SocketKey) == 56, "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::ProcessId) == 16, "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::SocketObs) == 128, "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::FlowBytes) == 88, "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::InterfaceObs) == 72, "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::Label) == 64, "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::ProcessInfo) == 208, "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::SourceCounter) == 40,
              "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::Sample) == 168, "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::Traffic) == 32, "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::ConnectionSummary) == 160,
              "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::ProcessSummary) == 296,
              "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::RemoteHostSummary) == 120,
              "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::ListenPortSummary) == 72,
              "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::InterfaceSummary) == 72,
              "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::Notice) == 40, "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::GroupSummary) == 104,
              "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::Snapshot) == 328, "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::OptionValue) == 80, "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::Options) == 48, "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::OptionList) == 16, "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::CollectStatus) == 40,
              "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::Rgb) == 3, "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::Style) == 9, "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::KeyEvent) == 4, "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::MouseEvent) == 12, "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::KeyHint) == 64, "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop::ViewContext) == 40, "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(sizeof(sstop_option_v1) == 48, "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
// `consumes` (1.4) is appended after `create`: the host reads it only when struct_size
// covers it, so plugins built before it still load.
static_assert(sizeof(sstop_plugin_descriptor_v1) == 80,
              "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(offsetof(sstop_plugin_descriptor_v1, consumes) == 72,
              "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(offsetof(sstop_plugin_descriptor_v1, create) == 64,
              "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(offsetof(sstop::SocketObs, rx_bytes) == 112,
              "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(offsetof(sstop::Snapshot, notices) == 304,
              "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(offsetof(sstop::Sample, counters) == 144,
              "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
// default_route sits in padding, so only these offsets (not the sizes) pin it.
static_assert(offsetof(sstop::InterfaceObs, default_route) == 37,
              "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(offsetof(sstop::InterfaceObs, rx_bytes) == 40,
              "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(offsetof(sstop::InterfaceSummary, default_route) == 33,
              "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(offsetof(sstop::InterfaceSummary, traffic) == 40,
              "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
// ViewContext::cumulative (1.3) sits in padding too.
static_assert(offsetof(sstop::ViewContext, paused) == 34,
              "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
static_assert(offsetof(sstop::ViewContext, cumulative) == 35,
              "SDK ABI v1 layout changed: bump SSTOP_ABI_MAJOR");
#endif
