#pragma once

#include "ui/panels/experiments/artifactfiles.h"

#include <QAbstractItemModel>
#include <QIcon>

#include <memory>
#include <vector>

namespace millrace::ui {

/// A run's artifact files and folders as a tree (name, size), folders first, then by name.
/// Filled from an ArtifactListing read off the GUI thread; reading the same listing again
/// changes nothing, so views keep their selection across refreshes.
class ArtifactTreeModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column { NameColumn, SizeColumn, ColumnCount };
    enum Role {
        PathRole = Qt::UserRole + 1, ///< QString: path relative to the artifact folder
        IsDirRole,                   ///< bool: a folder
        SizeRole,                    ///< qint64: bytes (a folder: its files' total)
    };

    explicit ArtifactTreeModel(QObject *parent = nullptr);
    ~ArtifactTreeModel() override;

    /// Shows the entries of `listing`; an equal listing leaves the model untouched.
    void setListing(const ArtifactListing &listing);
    /// Removes every entry.
    void clear();
    /// The listing shown.
    const ArtifactListing &listing() const { return m_listing; }
    /// Number of files (not folders) shown.
    int fileCount() const { return m_fileCount; }
    /// The index (name column) of the entry at relative `path`, invalid when there is none.
    QModelIndex indexOfPath(const QString &path) const;
    /// Icons for folders and files (the view's style ones); none by default.
    void setIcons(const QIcon &folder, const QIcon &file);

    QModelIndex index(int row, int column,
                      const QModelIndex &parent = QModelIndex()) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    struct Node
    {
        ArtifactEntry entry;
        QString name;
        Node *parent = nullptr;
        int row = 0;
        std::vector<std::unique_ptr<Node>> children;
    };
    Node *nodeOf(const QModelIndex &index) const;

    ArtifactListing m_listing;
    std::unique_ptr<Node> m_root;
    int m_fileCount = 0;
    QIcon m_folderIcon;
    QIcon m_fileIcon;
};

} // namespace millrace::ui
