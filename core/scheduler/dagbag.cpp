#include "core/scheduler/dagbag.h"

#include "core/scheduler/schedulerlog.h"

#include <QDir>
#include <QFileInfo>

#include <utility>

namespace millrace::scheduler {

namespace {

bool sameErrors(const QList<DagFileError> &a, const QList<DagFileError> &b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (a.at(i).toString() != b.at(i).toString())
            return false;
    }
    return true;
}

bool sameErrors(const std::map<QString, QList<DagFileError>> &a,
                const std::map<QString, QList<DagFileError>> &b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto &x, const auto &y) {
        return x.first == y.first && sameErrors(x.second, y.second);
    });
}

} // namespace

DagBag::DagBag(QString folder, const OperatorCatalog &operators)
    : m_folder(std::move(folder)), m_operators(operators)
{
}

const DagSpec *DagBag::dag(const QString &dagId) const
{
    const auto found = m_dags.find(dagId);
    return found == m_dags.end() ? nullptr : &found->second;
}

DagBag::Changes DagBag::reload()
{
    const QDir dir(m_folder);
    // QDir::Files leaves out subfolders and (without QDir::Hidden) names starting with '.'.
    const QFileInfoList entries =
        dir.exists() ? dir.entryInfoList(
            {QStringLiteral("*.yaml"), QStringLiteral("*.yml"), QStringLiteral("*.json")},
            QDir::Files)
                     : QFileInfoList();

    std::map<QString, FileState> files;
    for (const QFileInfo &entry : entries) {
        if (entry.fileName().startsWith(u'.'))
            continue;
        const QString path = entry.absoluteFilePath();
        const qint64 size = entry.size();
        const QDateTime modified = entry.lastModified();
        auto known = m_files.find(path);
        if (known != m_files.end() && known->second.size == size
            && known->second.modified == modified) {
            files.emplace(path, std::move(known->second));
            continue;
        }
        // The size and time were taken before reading: a write racing the read shows up as a
        // change on the next reload rather than being missed.
        qCDebug(lcScheduler) << "reading DAG file" << path;
        files.emplace(path, FileState{size, modified, loadDagFile(path, m_operators)});
    }
    m_files = std::move(files);

    // The maps are rebuilt from every file's result, in file name order (m_files is sorted by
    // path, all in one folder), so which file keeps a contested dag id does not depend on the
    // order files appeared in.
    std::map<QString, DagSpec> dags;
    std::map<QString, QList<DagFileError>> errors;
    for (const auto &[path, state] : m_files) {
        if (!state.parsed.dag) {
            errors.emplace(path, state.parsed.errors);
            continue;
        }
        const DagSpec &spec = *state.parsed.dag;
        if (const auto holder = dags.find(spec.id); holder != dags.end()) {
            errors[path].append(
                DagFileError{path, 0, 0,
                             QStringLiteral("dag id \"%1\" is already used by %2")
                                 .arg(spec.id, QFileInfo(holder->second.file).fileName())});
            continue;
        }
        dags.emplace(spec.id, spec);
    }

    Changes changes;
    for (const auto &[id, spec] : dags) {
        const auto before = m_dags.find(id);
        if (before == m_dags.end() || before->second.file != spec.file
            || before->second.fingerprint != spec.fingerprint)
            changes.addedOrChanged.append(id);
    }
    for (const auto &[id, spec] : m_dags) {
        if (!dags.contains(id))
            changes.removed.append(id);
    }
    changes.errorsChanged = !sameErrors(errors, m_errors);
    m_dags = std::move(dags);
    m_errors = std::move(errors);
    return changes;
}

} // namespace millrace::scheduler
