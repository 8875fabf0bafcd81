#pragma once

#include "ui/panels/experiments/keyedrows.h"

#include "ui/panels/experiments/trackingqueries.h"

#include <QAbstractTableModel>

namespace millrace::ui {

/// The experiments of a workspace as a table: name and number of active runs, in the order
/// given. Deleted experiments (listed only when the panel shows them) are set in italics and say
/// so in their tooltip. Updating keeps rows that stay, so selections survive a reload.
class ExperimentListModel : public KeyedTableModel
{
    Q_OBJECT
public:
    enum Column { NameColumn, RunCountColumn, ColumnCount };
    /// Role under which each row's experiment id is available.
    static constexpr int ExperimentIdRole = Qt::UserRole + 1;

    explicit ExperimentListModel(QObject *parent = nullptr);

    /// Shows `entries` (their ids must be unique), in this order.
    void setExperiments(const QList<ExperimentEntry> &entries);
    /// The experiment on `row`, which must exist.
    const ExperimentEntry &entryAt(int row) const { return m_entries.at(row); }
    /// The row of the experiment with `id`, or -1.
    int rowOfExperiment(const QString &id) const;
    /// The experiment to open with when the user has chosen none: the one with the newest run,
    /// else the first. Empty when there are no experiments.
    QString suggestedExperimentId() const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QList<ExperimentEntry> m_entries;
};

} // namespace millrace::ui
