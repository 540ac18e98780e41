;;; voiden.el --- Voiden request documents (.voiden, .void) with eglot  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1") (eglot "1.9"))
;; SPDX-License-Identifier: MIT

;;; Commentary:

;; A major mode for .voiden and .void files that starts voiden-lsp through eglot.  Everything about the
;; format and the protocols lives in the server: diagnostics come through Flymake, completion through
;; `completion-at-point', and the requests run from code actions (`eglot-code-actions': Send, Connect, Send
;; message, Close, Test).  What the server reports about a running request (`voiden/events') is appended
;; to the *voiden* buffer, one line per event.
;;
;;   (add-to-list 'load-path "/path/to/voiden-lsp/editor-client/emacs")
;;   (require 'voiden)
;;   (add-hook 'voiden-mode-hook #'eglot-ensure)

;;; Code:

(require 'eglot)
(require 'seq)
(require 'cl-lib)
(require 'subr-x)
(require 'json)

(defgroup voiden nil
  "Voiden request documents."
  :group 'tools)

(defcustom voiden-server-program '("voiden-lsp")
  "The language server and its arguments."
  :type '(repeat string))

(defcustom voiden-events-buffer "*voiden*"
  "The buffer that shows the server's events."
  :type 'string)

(defalias 'voiden--parent-mode (if (fboundp 'markdown-mode) #'markdown-mode #'text-mode))

;;;###autoload
(define-derived-mode voiden-mode voiden--parent-mode "Voiden"
  "Major mode for Voiden request documents; the language server does the rest."
  (setq-local comment-start "<!-- ")
  (setq-local comment-end " -->")
  ;; a word runs through `.`, `/` and `-`, as in `pkg.Service/Method`: completion-at-point then offers the
  ;; server's items for the whole word, not for the part after the last dot
  (dolist (char '(?. ?/ ?- ?_))
    (modify-syntax-entry char "_")))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.voiden\\'" . voiden-mode))
;;;###autoload
(add-to-list 'auto-mode-alist '("\\.void\\'" . voiden-mode))

(add-to-list 'eglot-server-programs `(voiden-mode . ,(lambda (&rest _) voiden-server-program)))

(defun voiden--value (value)
  "VALUE as one line of text: strings as they are, the rest as JSON."
  (if (stringp value) value (json-encode value)))

(defun voiden--event-line (event)
  "One line for EVENT (a plist): request, kind, then each other field as key=value."
  (let ((request (plist-get event :request))
        (kind (plist-get event :kind))
        (fields '()))
    (cl-loop for (key value) on event by #'cddr
             unless (memq key '(:request :kind :session :seq :time))
             do (push (format "%s=%s" (substring (symbol-name key) 1) (voiden--value value)) fields))
    (string-join (cons (format "%s %s" (or request "") (or kind "")) (nreverse fields)) " ")))

(cl-defmethod eglot-handle-notification (_server (_method (eql voiden/events)) &key events &allow-other-keys)
  "Append the server's EVENTS to `voiden-events-buffer'."
  (with-current-buffer (get-buffer-create voiden-events-buffer)
    (let ((inhibit-read-only t))
      (save-excursion
        (goto-char (point-max))
        (seq-doseq (event events)
          (insert (voiden--event-line event) "\n"))))))

(cl-defmethod eglot-execute-command (server (_command (eql voiden.copyAs)) arguments)
  "\"Copy NAME as curl / grpcurl / ...\": the server writes the command (`voiden.export'), the kill ring keeps it."
  (let ((result (jsonrpc-request server :workspace/executeCommand
                                 `(:command "voiden.export" :arguments ,arguments))))
    (kill-new (plist-get result :text))
    (message "voiden: `%s' as %s is in the kill ring" (aref arguments 1) (aref arguments 2))))

(provide 'voiden)
;;; voiden.el ends here
