require ["fileinto"];
# RFC 5228 2.10.6: past the action limit (32 on both sides) the run fails
if size :over 10K {
    fileinto "box00";
    fileinto "box01";
    fileinto "box02";
    fileinto "box03";
    fileinto "box04";
    fileinto "box05";
    fileinto "box06";
    fileinto "box07";
    fileinto "box08";
    fileinto "box09";
    fileinto "box10";
    fileinto "box11";
    fileinto "box12";
    fileinto "box13";
    fileinto "box14";
    fileinto "box15";
    fileinto "box16";
    fileinto "box17";
    fileinto "box18";
    fileinto "box19";
    fileinto "box20";
    fileinto "box21";
    fileinto "box22";
    fileinto "box23";
    fileinto "box24";
    fileinto "box25";
    fileinto "box26";
    fileinto "box27";
    fileinto "box28";
    fileinto "box29";
    fileinto "box30";
    fileinto "box31";
    fileinto "box32";
}
fileinto "small";
