#pragma once

#include "ui/panels/streams/batchqueries.h"

#include <QAbstractTableModel>

#include <vector>

namespace millrace::ui {

/// The workspace's batches for the Batches tab, newest first: incoming or used, when made, the
/// topic, samples and dead letters, for a used batch the run that trained on it (a link), and
/// the offsets per partition. A refresh that finds the same batches updates rows in place, so the
/// selection stays.
class BatchListModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        StateColumn,
        CreatedColumn,
        TopicColumn,
        SamplesColumn,
        DeadLettersColumn,
        RunColumn,
        OffsetsColumn,
        ColumnCount
    };
    enum Role {
        BatchIdRole = Qt::UserRole + 1,
        /// Whether a run used the batch.
        UsedRole,
        /// True on the Run cell of a used batch whose run is known: it opens the run.
        LinkRole,
        RunIdRole,
        ExperimentIdRole,
        /// The batch's folder on disk.
        FolderRole,
        /// A number or time to sort the column by.
        SortRole,
    };

    explicit BatchListModel(QObject *parent = nullptr);

    /// Shows `batches` in the order given.
    void setBatches(std::vector<BatchEntry> batches);
    /// The batch at `row`, or null.
    const BatchEntry *batchAt(int row) const;
    /// The row of batch `id`, or -1.
    int rowOfBatch(const QString &id) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    std::vector<BatchEntry> m_batches;
};

/// The dead letters of one batch: partition, offset, why the message was refused, and the
/// start of its payload.
class DeadLetterModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { PartitionColumn, OffsetColumn, ReasonColumn, PayloadColumn, ColumnCount };

    explicit DeadLetterModel(QObject *parent = nullptr);

    /// Shows `letters`.
    void setLetters(std::vector<DeadLetterEntry> letters);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    std::vector<DeadLetterEntry> m_letters;
};

} // namespace millrace::ui
