if size :over 64K { discard; }
if size :under 1M { keep; }
