;;; emacs_driver.el --- drives a real Emacs with eglot over voiden.el, as a user would  -*- lexical-binding: t; -*-
;; Run by tests/editors/test_emacs.py: emacs --batch -L editor-client/emacs -l this file.  Reads
;; VOIDEN_LSP (the server program), VOIDEN_DOC (the document) and writes what it saw, as JSON, to VOIDEN_OUT.

(require 'voiden)
(require 'json)

(setq voiden-server-program (list (getenv "VOIDEN_LSP")))
(setq eglot-sync-connect 30)

(defun driver-wait (what predicate &optional seconds)
  "Process events until PREDICATE is non-nil, at most SECONDS (30); its value."
  (let ((deadline (+ (float-time) (or seconds 30)))
        (value nil))
    (while (and (not (setq value (funcall predicate))) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (or value (error "Timed out waiting for %s" what))))

(defun driver-goto (text)
  "Point at the end of the first line containing TEXT."
  (goto-char (point-min))
  (search-forward text)
  (end-of-line))

(let ((result '()))
  (find-file (getenv "VOIDEN_DOC"))
  (push (cons 'mode (symbol-name major-mode)) result)
  (call-interactively #'eglot)  ; M-x eglot: voiden.el told it which server
  (driver-wait "eglot to connect" #'eglot-current-server)
  ;; a diagnostic, through Flymake
  (push (cons 'diagnostics
              (driver-wait "a diagnostic"
                           (lambda () (mapcar #'flymake-diagnostic-text (flymake-diagnostics)))))
        result)
  ;; the gRPC methods after `Service/`, from the live server's reflection, through completion-at-point
  (driver-goto "routeguide.RouteGuide/")
  (push (cons 'completions
              (driver-wait "the methods from reflection"
                           (lambda ()
                             (let* ((capf (eglot-completion-at-point))
                                    (found (and capf (all-completions (buffer-substring (nth 0 capf) (nth 1 capf))
                                                                      (nth 2 capf)))))
                               (and (member "routeguide.RouteGuide/GetFeature" found) found)))))
        result)
  ;; a code action sends the request under point: M-x eglot-code-actions, picking the one titled Send
  (driver-goto "name=ping")
  (forward-line 1)
  (let ((offered '()))
    (cl-letf (((symbol-function 'completing-read)
               (lambda (_prompt items &rest _)
                 (setq offered (mapcar #'car items))
                 (seq-find (lambda (title) (string-prefix-p "Send" title)) offered))))
      (let ((last-nonmenu-event ?\r))  ; as after M-x ... RET: eglot asks in the minibuffer, not a menu
        (call-interactively #'eglot-code-actions)))
    (push (cons 'actions offered) result))
  (push (cons 'events
              (driver-wait "the request's events in *voiden*"
                           (lambda ()
                             (with-current-buffer (get-buffer-create voiden-events-buffer)
                               (and (string-match-p "^ping closed" (buffer-string)) (buffer-string))))))
        result)
  ;; "Copy `ping` as curl": the command line into the kill ring
  (driver-goto "name=ping")
  (forward-line 1)
  (cl-letf (((symbol-function 'completing-read)
             (lambda (_prompt items &rest _)
               (seq-find (lambda (title) (string-prefix-p "Copy `ping` as curl" title)) (mapcar #'car items)))))
    (let ((last-nonmenu-event ?\r))
      (call-interactively #'eglot-code-actions)))
  (push (cons 'copied (driver-wait "the curl command in the kill ring"
                                   (lambda () (and kill-ring (string-prefix-p "curl" (current-kill 0 t))
                                                   (current-kill 0 t)))))
        result)
  (eglot-shutdown (eglot-current-server))
  (with-temp-file (getenv "VOIDEN_OUT")
    (insert (json-encode result))))
