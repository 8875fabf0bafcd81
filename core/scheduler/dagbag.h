#pragma once

#include "core/scheduler/dagfile.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>

#include <map>

namespace millrace::scheduler {

class OperatorCatalog;

/// The DAGs of one dags/ folder (like Airflow's DagBag): every .yaml, .yml and .json file in it
/// (not in subfolders; names starting with '.' are ignored), each parsed into a DAG or errors.
/// Reloading re-reads only files whose size or modification time changed. Two files declaring
/// one dag id: the first by file name keeps it, the other gets an error. Not thread-safe: one
/// owner thread.
class DagBag
{
public:
    DagBag(QString folder, const OperatorCatalog &operators);

    /// What a reload changed.
    struct Changes
    {
        QStringList addedOrChanged; ///< dag ids
        QStringList removed;        ///< dag ids
        bool errorsChanged = false;
    };
    /// Re-reads the folder.
    Changes reload();

    QString folder() const { return m_folder; }
    /// The DAGs by id.
    const std::map<QString, DagSpec> &dags() const { return m_dags; }
    /// The DAG with `dagId`, or null.
    const DagSpec *dag(const QString &dagId) const;
    /// Errors of the files that did not give a DAG, by file path.
    const std::map<QString, QList<DagFileError>> &errors() const { return m_errors; }

private:
    struct FileState
    {
        qint64 size = -1;
        QDateTime modified;
        // Kept whole, also when another file holds the dag id: once that one goes, this one
        // takes the id over without being read again.
        DagFileResult parsed;
    };

    QString m_folder;
    const OperatorCatalog &m_operators;
    std::map<QString, FileState> m_files; // by absolute path
    std::map<QString, DagSpec> m_dags;
    std::map<QString, QList<DagFileError>> m_errors;
};

} // namespace millrace::scheduler
