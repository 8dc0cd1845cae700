require "fileinto";
# RFC 5228 2.4.1: K, M and G are powers of 1024
if size :over 64K { fileinto "over-64K"; }
if size :over 65536 { fileinto "over-65536"; }
if size :under 1M { fileinto "under-1M"; }
if size :under 1024 { fileinto "under-1024"; }
if size :over 0G { fileinto "over-0G"; }
