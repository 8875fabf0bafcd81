#pragma once

#include "core/streams/messagebrowser.h"

#include <QAbstractTableModel>
#include <QMetaType>

#include <vector>

namespace millrace::ui {

/// One row of the message browser: the message, and its key and value as one-line previews
/// (made off the GUI thread with the page).
struct MessageRow
{
    streams::BrowsedMessage message;
    QString keyPreview;
    QString valuePreview;
};

/// The longest preview a row keeps; the detail pane shows the whole payload.
inline constexpr int kPreviewLength = 240;

/// One-line previews of `messages`' keys and values, cut at kPreviewLength. Renders JSON
/// compactly: call it off the GUI thread for a page of large messages.
std::vector<MessageRow> previewRows(std::vector<streams::BrowsedMessage> messages);

/// A page of browsed messages as a table: partition, offset, timestamp, key, value preview.
class MessageTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        PartitionColumn,
        OffsetColumn,
        TimestampColumn,
        KeyColumn,
        ValueColumn,
        ColumnCount
    };
    enum Role {
        /// The offset as a number.
        OffsetRole = Qt::UserRole + 1,
        /// The partition as a number.
        PartitionRole,
    };

    explicit MessageTableModel(QObject *parent = nullptr);

    /// Shows `rows`, replacing the page shown.
    void setRows(std::vector<MessageRow> rows);
    /// The message at `row`, or null.
    const streams::BrowsedMessage *messageAt(int row) const;
    /// Every message shown, in order (for export).
    std::vector<streams::BrowsedMessage> messages() const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    std::vector<MessageRow> m_rows;
};

} // namespace millrace::ui

Q_DECLARE_METATYPE(millrace::ui::MessageRow)
