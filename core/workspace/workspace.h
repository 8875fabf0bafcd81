#pragma once

#include "core/base/result.h"

#include <QLockFile>
#include <QString>

#include <memory>

namespace millrace {

class Store;

/// What can be told about a workspace without opening it (for `millrace workspace`).
struct WorkspaceStatus
{
    QString root;
    bool exists = false;
    int schemaVersion = -1; ///< -1 when there is no readable database yet
    QString holder;         ///< who holds the lock, empty when nobody does
};

/// One Millrace workspace: a folder holding the metadata database, artifacts, registered
/// models, data batches, task logs and DAG files. Opening it takes an exclusive lock, so two
/// processes never write one workspace; the lock goes with the Workspace object (or the process).
class Workspace
{
public:
    /// The workspace used when none is given: <XDG data dir>/millrace/default.
    static QString defaultPath();
    /// Opens the workspace at `root`, creating its folders and database on first use. Fails,
    /// changing nothing, when another process holds it or its database cannot be used.
    static Result<std::unique_ptr<Workspace>> open(const QString &root);
    ~Workspace();
    /// Looks at a workspace without taking it over: safe while another process runs it.
    static WorkspaceStatus inspect(const QString &root);

    QString root() const { return m_root; }
    QString databasePath() const;
    QString lockFilePath() const;
    QString artifactsDir() const;
    QString modelsDir() const;
    QString incomingDataDir() const;
    QString usedDataDir() const;
    QString logsDir() const;
    QString dagsDir() const;

    /// The workspace's metadata database.
    Store &store() const { return *m_store; }

private:
    Workspace(QString root, std::unique_ptr<QLockFile> lock, std::unique_ptr<Store> store);

    QString m_root;
    std::unique_ptr<QLockFile> m_lock;
    std::unique_ptr<Store> m_store;
};

} // namespace millrace
