#pragma once

#include "core/scheduler/dagspec.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace millrace::scheduler {

class OperatorCatalog;

/// What reading one DAG file gave: the DAG, or the errors that keep it from being used.
struct DagFileResult
{
    std::optional<DagSpec> dag;
    QList<DagFileError> errors;
};

/// Reads one DAG definition from a YAML (.yaml, .yml) or JSON (.json) file's bytes; the schema
/// is documented in docs/dags.md. `path` is used in messages and as DagSpec::file. Every task's
/// operator must be in `operators` and its params must match the operator's parameter schema.
/// Cycles, unknown or duplicate task ids, bad schedules, bad dates and bad trigger rules are
/// errors naming the file, line and column. Never throws.
DagFileResult parseDagFile(const QString &path, const QByteArray &contents,
                           const OperatorCatalog &operators);

/// Reads and parses the file at `path`.
DagFileResult loadDagFile(const QString &path, const OperatorCatalog &operators);

} // namespace millrace::scheduler
