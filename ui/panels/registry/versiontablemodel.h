#pragma once

#include "core/registry/registrytypes.h"
#include "core/tracking/trackingtypes.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>
#include <QStringList>

namespace millrace::ui {

/// The versions of one registered model, newest first: number, stage, aliases, status, creation
/// time, source run, and chosen metrics of the source run as further columns.
class VersionTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        VersionColumn,
        StageColumn,
        AliasesColumn,
        StatusColumn,
        CreatedColumn,
        SourceRunColumn,
        FixedColumnCount ///< metric columns follow, one per metricKeys() entry
    };
    enum Role {
        VersionRole = Qt::UserRole + 1, ///< qint64
        StageRole,                      ///< int (registry::Stage)
        AliasesRole,                    ///< QStringList
        StatusRole,                     ///< int (registry::VersionStatus)
        RunIdRole,                      ///< QString, empty when the version has no run
        LinkRole,                       ///< bool: the cell opens the source run when clicked
    };

    using QAbstractTableModel::QAbstractTableModel;

    /// Shows `versions` (newest first) with their source runs from `runs` (by run id).
    void setVersions(const QList<registry::ModelVersion> &versions,
                     const QHash<QString, tracking::Run> &runs);
    /// The metrics shown as columns, in order.
    void setMetricKeys(const QStringList &keys);
    QStringList metricKeys() const { return m_metricKeys; }
    /// Every metric key the source runs have, sorted.
    QStringList availableMetricKeys() const;

    const registry::ModelVersion &versionAt(int row) const { return m_versions.at(row); }
    /// The row of version `version`, or -1.
    int rowOfVersion(qint64 version) const;
    /// The source run of the version on `row`, or null.
    const tracking::Run *runAt(int row) const;

    /// "Production", "Staging", ... in words a reader expects.
    static QString stageText(registry::Stage stage);
    /// "Ready", "Failed", "Registering…".
    static QString statusText(registry::VersionStatus status);
    /// The colour of a status dot.
    static QColor statusColour(registry::VersionStatus status);
    /// A creation time as the table shows it.
    static QString timeText(qint64 msSinceEpoch);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QVariant fixedData(int row, int column, int role) const;
    QVariant metricData(int row, const QString &key, int role) const;

    QList<registry::ModelVersion> m_versions;
    QHash<QString, tracking::Run> m_runs;
    QStringList m_metricKeys;
};

} // namespace millrace::ui
