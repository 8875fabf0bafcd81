#pragma once

#include <QString>

namespace millrace::plugins {

/// Keys of the JSON metadata every Millrace plugin declares next to Q_PLUGIN_METADATA. The loader
/// reads them before loading the library, so a bad plugin is reported without running its code.
///
/// {
///   "id": "json-codec",              unique, stable, lower-case
///   "name": "JSON messages",         shown to users
///   "version": "1.0.0",
///   "kind": "message-codec",         one of the kinds below
///   "description": "...",
///   "apiVersion": 1                  the plugin API the plugin was built against
/// }
namespace metadata {
inline constexpr char kId[] = "id";
inline constexpr char kName[] = "name";
inline constexpr char kVersion[] = "version";
inline constexpr char kKind[] = "kind";
inline constexpr char kDescription[] = "description";
inline constexpr char kApiVersion[] = "apiVersion";
} // namespace metadata

/// The plugin API version this build of Millrace implements.
inline constexpr int kApiVersion = 1;

/// Plugin kinds, one per interface.
namespace kind {
inline constexpr char kModelArchitecture[] = "model-architecture";
inline constexpr char kTaskOperator[] = "task-operator";
inline constexpr char kMessageCodec[] = "message-codec";
} // namespace kind

} // namespace millrace::plugins
