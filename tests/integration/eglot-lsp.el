;;; Emacs's Eglot (Debian's elpa-eglot on Emacs 28) attached to `oomkb lsp` with the README's
;;; set-up: visit each file named in OOMKB_FILES (relative to OOMKB_ROOT), wait for Flymake's
;;; diagnostics, and write to OOMKB_OUT "file line code-or-text" per diagnostic, "servers N"
;;; after each file, then "fixed LINE" after applying source.fixAll.oomkb to the first file.
(require 'package)
(setq package-directory-list '("/usr/share/emacs/site-lisp/elpa"))
(package-initialize)
(require 'eglot)
;; the README's line, with the binary under test
(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs
               `(python-mode . (,(getenv "OOMKB_BIN") "lsp" "--kb-url" "http://kb.test"))))
(add-hook 'python-mode-hook #'eglot-ensure)

(defvar oomkb-out nil)
(defun oomkb-emit (fmt &rest args) (push (apply #'format fmt args) oomkb-out))
(defun oomkb-servers ()
  (let ((n 0))
    (maphash (lambda (_k v) (setq n (+ n (length v)))) eglot--servers-by-project)
    n))
(defun oomkb-wait (pred)
  ;; a deadline for a silent server, not a speed bound
  (let ((n 0))
    (while (and (< n 450) (not (funcall pred)))
      (accept-process-output nil 0.1)
      (setq n (1+ n)))))

(let (first)
  (dolist (f (split-string (getenv "OOMKB_FILES")))
    (find-file (expand-file-name f (getenv "OOMKB_ROOT")))
    (unless first (setq first (current-buffer)))
    ;; eglot-ensure connects from post-command-hook, which a batch Emacs never runs
    (run-hooks 'post-command-hook)
    ;; and Flymake starts checking a buffer once it is displayed, never in batch: ask it
    (oomkb-wait (lambda () (flymake-start) (flymake-diagnostics)))
    (dolist (d (flymake-diagnostics))
      (oomkb-emit "%s %d %s" f (line-number-at-pos (flymake-diagnostic-beg d))
                  (flymake-diagnostic-text d)))
    (oomkb-emit "servers %d" (oomkb-servers)))
  (with-current-buffer first
    (let ((actions (eglot-code-actions (point-min) (point-max) "source.fixAll.oomkb")))
      (dolist (a actions)
        (eglot--apply-workspace-edit (plist-get a :edit))))
    (goto-char (point-min))
    (when (search-forward "losses.append" nil t)
      (oomkb-emit "fixed %s" (buffer-substring (line-beginning-position) (line-end-position))))))

(with-temp-file (getenv "OOMKB_OUT")
  (insert (mapconcat #'identity (reverse oomkb-out) "\n") "\n"))
(kill-emacs 0)
