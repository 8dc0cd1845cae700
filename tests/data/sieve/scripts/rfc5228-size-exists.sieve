# RFC 5228 5.5, 5.9: exists and size
if anyof (not exists ["From","Date"], size :over 50K) {
    discard;
    stop;
}
if size :under 1k { keep; }
